/**
 * WeCom's errcode table (wecom.md §5, [90313]) in one place: what each code means and what we do
 * about it — retry with backoff, refresh the access token once, back off for the rate limit, fix
 * the configuration (never retried), fix the payload (never retried), or give up. Every WeCom
 * client (webhook robot, self-built app, AI bot) classifies its answers here; nothing else
 * branches on errcodes. Callers branch on `errcode` only, never on `errmsg`.
 */
import { PlatformError } from '../../../errors.js';

/**
 * What to do about an errcode:
 * - `retry`: transient, retry with backoff (the delivery worker does it);
 * - `rate`: frequency limit, back off, queue and merge (the worker fills the destination's window);
 * - `refresh`: the access token is invalid / expired / missing: refresh once and retry once;
 * - `config`: the deployment is mis-configured (secret, trusted IP, permissions, robot key):
 *   never retried, logged as a configuration error and shown on `/healthz`;
 * - `payload`: the message itself is wrong (empty, too long, bad card): never retried;
 * - `giveup`: the target is gone (no valid recipient, chat missing): never retried.
 */
export type WeComErrorAction = 'retry' | 'rate' | 'refresh' | 'config' | 'payload' | 'giveup';

/** One row of the table: the action and a short English meaning for logs and `/healthz`. */
export interface WeComErrcode {
  action: WeComErrorAction;
  meaning: string;
}

/** The table of wecom.md §5 plus the template-card codes of §3 [90240, 90241]. */
export const WECOM_ERRCODES: ReadonlyMap<number, WeComErrcode> = new Map<number, WeComErrcode>([
  [-1, { action: 'retry', meaning: 'system busy' }],
  [40014, { action: 'refresh', meaning: 'invalid access_token' }],
  [42001, { action: 'refresh', meaning: 'access_token expired' }],
  [41001, { action: 'refresh', meaning: 'access_token missing' }],
  [40001, { action: 'config', meaning: 'invalid secret (WECOM_APP_SECRET)' }],
  [40013, { action: 'config', meaning: 'invalid corpid (WECOM_CORP_ID)' }],
  [40056, { action: 'config', meaning: 'invalid agentid (WECOM_AGENT_ID)' }],
  [45009, { action: 'rate', meaning: 'frequency limit' }],
  [45033, { action: 'retry', meaning: 'too many concurrent calls' }],
  [48002, { action: 'config', meaning: 'API forbidden: no permission' }],
  [60011, { action: 'config', meaning: 'no privilege (app visibility must cover the recipients)' }],
  [60020, { action: 'config', meaning: 'caller IP not in the app trusted IPs' }],
  [81013, { action: 'giveup', meaning: 'all recipients invalid' }],
  [86003, { action: 'giveup', meaning: 'appchat does not exist' }],
  [86008, { action: 'giveup', meaning: 'appchat not created by this app' }],
  [93000, { action: 'config', meaning: 'invalid webhook key, or the robot was removed' }],
  [93004, { action: 'config', meaning: 'webhook robot disabled' }],
  [93008, { action: 'config', meaning: 'webhook robot not in the group' }],
  [44004, { action: 'payload', meaning: 'empty content' }],
  [45002, { action: 'payload', meaning: 'content too long' }],
  [42045, { action: 'payload', meaning: 'invalid card_action' }],
  [42014, { action: 'payload', meaning: 'invalid task_id' }],
  [42015, { action: 'config', meaning: 'task_id belongs to another app' }],
  [42016, { action: 'payload', meaning: 'task_id not found' }],
  [42017, { action: 'payload', meaning: 'invalid button key' }],
  [42018, { action: 'payload', meaning: 'invalid button key' }],
]);

/** Errcodes worth retrying with backoff (wecom.md §5: -1, 45009, 45033). */
export const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set(
  [...WECOM_ERRCODES].filter(([, e]) => e.action === 'retry' || e.action === 'rate').map(([c]) => c),
);
/** "Frequency limit" (20 messages a minute per robot [91770]): back off, queue, merge (wecom.md §5). */
export const RATE_LIMITED_ERRCODE = 45009;
/** Token errcodes: refresh once and retry once (40014 / 42001 / 41001). */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set(
  [...WECOM_ERRCODES].filter(([, e]) => e.action === 'refresh').map(([c]) => c),
);
/** Configuration errcodes: never retried; logged and shown on `/healthz` (60020, 93000, …). */
export const CONFIG_ERRCODES: ReadonlySet<number> = new Set(
  [...WECOM_ERRCODES].filter(([, e]) => e.action === 'config').map(([c]) => c),
);

/** The action for `errcode`; a code not in the table is given up on (never retried blindly). */
export function errcodeAction(errcode: number): WeComErrorAction {
  return WECOM_ERRCODES.get(errcode)?.action ?? 'giveup';
}

/**
 * The `PlatformError` for a non-zero errcode: `retryable` for `retry`/`rate`, `rateLimited` for
 * 45009, `configuration` for the config rows (the delivery worker reports those on `/healthz`).
 * `what` names the call (`message/send`, `webhook`, …); `errmsg` is kept for the log, but
 * nothing branches on it. A token error that survived its one refresh is not retried either.
 */
export function weComApiError(what: string, errcode: number, errmsg = ''): PlatformError {
  const row = WECOM_ERRCODES.get(errcode);
  const action = row?.action ?? 'giveup';
  const text = `WeCom ${what} errcode ${errcode}${row ? ` (${row.meaning})` : ''}${errmsg ? `: ${errmsg}` : ''}`;
  return new PlatformError(
    text,
    errcode,
    action === 'retry' || action === 'rate',
    errcode === RATE_LIMITED_ERRCODE,
    action === 'config',
  );
}

/** HTTP status errors: 5xx are retried, 4xx are not (wecom.md §5: retry on 5xx). */
export function weComHttpError(what: string, status: number): PlatformError {
  return new PlatformError(`WeCom ${what} HTTP ${status}`, status, status >= 500);
}

/** A network error (timeout, refused, reset): retried. `code` is the socket error code only (never a URL: keys are secrets). */
export function weComNetworkError(what: string, code = 'NETWORK'): PlatformError {
  return new PlatformError(`WeCom ${what} network error ${code}`, 'NETWORK', true);
}
