/**
 * Coded errors. Everything ends in one handler: chat errors become a Chinese reply, HTTP errors a
 * 4xx/5xx JSON body `{error: code, message}`. `expose` says whether the message may be shown to the
 * caller (koa convention).
 */
export type ErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'AMBIGUOUS'
  | 'SIGNATURE'
  | 'STALE'
  | 'CONFIG'
  | 'PLATFORM'
  | 'BAD_REQUEST'
  | 'UNAVAILABLE';

/** Base class: a stable `code`, an HTTP `status`, and whether the (Chinese) message is user-facing. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status = 400,
    readonly expose = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command arguments: `message` says what was wrong, `usage` the right form (both Chinese). */
export class UsageError extends CodedError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super('USAGE', message, 400);
  }
}
/** The thing named does not exist (unknown incident id, person, chat). */
export class NotFoundError extends CodedError {
  constructor(message: string) {
    super('NOT_FOUND', message, 404);
  }
}
/**
 * No incident with this id, or not one the asker may see (the two read the same, so existence does
 * not leak). Thrown by the store and the domain alike; its Chinese text lives only here.
 */
export class IncidentNotFoundError extends NotFoundError {
  constructor(readonly incidentId: string) {
    super(`找不到事件 ${incidentId}。请核对编号，或用 /列表 查看本群事件。`);
  }

  /** The same for a web page or API caller, who has no chat to run /列表 in. */
  forWeb(): NotFoundError {
    return new NotFoundError(`找不到事件 ${this.incidentId}，或您无权查看。请核对编号，或回到事件列表查找。`);
  }
}
/** The actor may not do this (e.g. setting a level without the privilege). */
export class ForbiddenError extends CodedError {
  constructor(message: string) {
    super('FORBIDDEN', message, 403);
  }
}
/** The state does not allow it (e.g. closing a closed incident). */
export class ConflictError extends CodedError {
  constructor(message: string) {
    super('CONFLICT', message, 409);
  }
}
/** More than one incident fits and the user must say which. */
export class AmbiguousError extends CodedError {
  constructor(
    message: string,
    readonly candidates: string[],
  ) {
    super('AMBIGUOUS', message, 409);
  }
}
/** A callback whose signature does not verify (forged). */
export class SignatureError extends CodedError {
  constructor(message = 'invalid signature') {
    super('SIGNATURE', message, 401);
  }
}
/** A callback whose timestamp is outside the accepted window (replayed or stale). */
export class StaleError extends CodedError {
  constructor(message = 'stale timestamp') {
    super('STALE', message, 401);
  }
}
/** Invalid configuration: `message` names the path and the problem. */
export class ConfigError extends CodedError {
  constructor(message: string) {
    super('CONFIG', message, 500, false);
  }
}
/** A platform API answered with an error code. `retryable` follows the platform's error table. */
export class PlatformError extends CodedError {
  /**
   * @param retryable set by the adapter from its platform's error table (wecom.md §5): the
   *   delivery worker retries with backoff only when true, else the message is dead-lettered.
   * @param rateLimited the platform said "too many" (WeCom 45009): the worker also fills the
   *   destination's rate window, so its queue waits for the next window and is merged.
   * @param configuration the deployment is mis-configured (WeCom 60020 trusted IP, 93000 robot
   *   key, 40001 secret; wecom.md §5): never retried; the worker logs it as a configuration error
   *   and `/healthz` shows it (degraded, with the reason) until a send to the same place succeeds.
   */
  constructor(
    message: string,
    readonly platformCode?: number | string,
    readonly retryable = false,
    readonly rateLimited = false,
    readonly configuration = false,
  ) {
    super('PLATFORM', message, 502, false);
  }
}
/**
 * The platform cannot update this copy of a card any more (issue 14 item 1): the message is
 * gone, too old, or its one update per interaction is used (WeCom's single-use `response_code`,
 * wecom.md update_template_card). Thrown by `PlatformAdapter.updateCard`; the delivery worker
 * then posts the card as a new message in the copy's conversation (never a retry loop, never a
 * dead letter when the conversation is known) and forgets the old copy.
 */
export class CardNotUpdatableError extends PlatformError {
  static readonly CODE = 'CARD_NOT_UPDATABLE';
  constructor(message: string) {
    super(message, CardNotUpdatableError.CODE, false);
  }
}
/** A malformed HTTP request body or query. */
export class BadRequestError extends CodedError {
  constructor(message: string) {
    super('BAD_REQUEST', message, 400);
  }
}
/** An HTTP request body above the accepted size (413). `limitBytes` is the limit. */
export class PayloadTooLargeError extends CodedError {
  constructor(
    message: string,
    readonly limitBytes?: number,
  ) {
    super('BAD_REQUEST', message, 413);
  }
}
/** Too many requests or open streams at once (429); the caller may retry later. */
export class TooManyRequestsError extends CodedError {
  constructor(message: string) {
    super('BAD_REQUEST', message, 429);
  }
}
/** A component used before it is ready (503, not shown to the caller), e.g. an adapter before `init`. */
export class NotReadyError extends CodedError {
  constructor(message: string) {
    super('CONFIG', message, 503, false);
  }
}

/** What a chat user reads while the database is unreachable: what happened and what to do. */
export const DATABASE_UNAVAILABLE_TEXT =
  '系统暂时连不上数据库，正在自动恢复。\n这条命令可能没有完成，请 1 分钟后重新发送（可先用 /列表 核对）。\n如 10 分钟后仍不行，请联系管理员。';

/**
 * The database cannot be reached (connection refused, lost, timed out, server restarting): the
 * request was not (or not surely) carried out. HTTP 503; chat users read `DATABASE_UNAVAILABLE_TEXT`
 * (issue 14, "Database restart"). Raised by the store for connection errors only (see
 * `src/store/availability.ts`); `cause` keeps the driver's error for the log.
 */
export class DatabaseUnavailableError extends CodedError {
  constructor(message = DATABASE_UNAVAILABLE_TEXT, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, 503, true, options);
  }
}
