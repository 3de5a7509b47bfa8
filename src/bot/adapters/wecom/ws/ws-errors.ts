/**
 * Classifies failures of frames sent over the AI-bot long connection into `PlatformError`s
 * (retry or give up, wecom.md §5). The SDK rejects a reply either with an Error (not connected,
 * connection closed, no acknowledgement within 5 s) or with the acknowledgement frame itself when
 * its errcode is not 0. Kept local to the long connection until the shared WeCom errcode table
 * (issue 12 item 5) lands; then `WS_RETRYABLE_ERRCODES` should defer to it.
 */
import { PlatformError } from '../../../../errors.js';

/** "Not subscribed": seen while a connection is (re)subscribing; transient (wecom.md §8.1). */
export const ERR_NOT_SUBSCRIBED = 846609;
/** Frequency limit (wecom.md §5): back off, queue, merge. */
export const ERR_RATE_LIMITED = 45009;
/** Errcodes worth retrying on the long connection: busy, rate limits, not (yet) subscribed. */
export const WS_RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, ERR_RATE_LIMITED, 45033, ERR_NOT_SUBSCRIBED]);

/** The errcode of an SDK rejection (an acknowledgement frame), if it is one. */
export function ackErrcode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A `PlatformError` for a failed long-connection frame. `what` names the frame (e.g.
 * `aibot_send_msg`). Transport failures (no connection, closed, no acknowledgement) are
 * retryable; an errcode is retryable when in `WS_RETRYABLE_ERRCODES`; 45009 is also `rateLimited`.
 */
export function wsPlatformError(what: string, err: unknown): PlatformError {
  const code = ackErrcode(err);
  if (code === undefined) {
    const message = err instanceof Error ? err.message : String(err);
    return new PlatformError(`WeCom long connection: ${what} failed: ${message}`, 'NETWORK', true);
  }
  const errmsg = (err as { errmsg?: unknown }).errmsg;
  return new PlatformError(
    `WeCom long connection: ${what} errcode ${code}: ${typeof errmsg === 'string' ? errmsg : ''}`,
    code,
    WS_RETRYABLE_ERRCODES.has(code),
    code === ERR_RATE_LIMITED,
  );
}
