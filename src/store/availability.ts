/**
 * Database availability (issue 14, "Database restart"): tells a lost or refused connection from any
 * other database error, turns it into the one coded `DatabaseUnavailableError`, and keeps the
 * outage's state for `/healthz`. It logs the outage once when it starts, then at most once per
 * `logIntervalMs` while it lasts (with how many failures were absorbed), and once when the database
 * answers again — instead of one line per failed query, poll and connection (~20 a second).
 * While the database is down it probes it (`SELECT 1`) every `probeEveryMs`, so recovery is noticed
 * without waiting for the next request; the pool reconnects by itself, nothing needs a restart.
 */
import { DatabaseUnavailableError } from '../errors.js';
import type { StoreLogger } from './logger.js';
import { shutdownInProgress } from './shutdown-hooks.js';

/** Socket-level error codes of a database that is not reachable (Node `net` / DNS). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/**
 * SQLSTATEs of a server going away or not accepting connections yet (PostgreSQL appendix A):
 * class 08 connection exception, 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up / shutting down), 53300 too_many_connections.
 */
const UNAVAILABLE_SQLSTATES = /^(08...|57P01|57P02|57P03|53300)$/;
/** Messages node-postgres uses for a connection that broke or never came up (no code set). */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly|the database system is (starting up|shutting down)/i;

/**
 * Whether `err` (or its `cause`, or one of an AggregateError's `errors`) means the database is not
 * reachable, rather than a query the database refused. Never throws.
 */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_SQLSTATES.test(e.code))) return true;
  // a Unix socket whose file is gone: the embedded server stopped (its socket is in <dataDir>/pg)
  if (e.code === 'ENOENT' && e.syscall === 'connect') return true;
  if (typeof e.message === 'string' && PG_CONNECTION_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isConnectionError(x, depth + 1))) return true;
  return e.cause !== undefined && isConnectionError(e.cause, depth + 1);
}

/** A short, secret-free description of an error for the log (`ECONNREFUSED`, `57P01 terminating…`). */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return [code, message].filter(Boolean).join(' ').slice(0, 200);
}

/** What `/healthz` shows of the database. Times are UTC instants. */
export interface AvailabilityState {
  up: boolean;
  /** Since when the database is down (absent while up). */
  downSince?: Date;
  /** The last connection error seen during this outage (absent while up). */
  lastError?: string;
  /** Connection failures absorbed during this outage (0 while up). */
  failures: number;
}

/** Options of {@link DatabaseAvailability}. All durations in ms. */
export interface AvailabilityOptions {
  logger: StoreLogger;
  /** Checks the database; rejects while it is unreachable (e.g. `pool.query('SELECT 1')`). */
  probe: () => Promise<unknown>;
  /** At most one "still unavailable" line per interval (settings DB_OUTAGE_LOG_INTERVAL_MS). */
  logIntervalMs: number;
  /** Probe interval while down (default min(1000, logIntervalMs)). */
  probeEveryMs?: number;
  /** Clock, ms since epoch (default Date.now). */
  now?: () => number;
}

/** The outage tracker; see the module comment. One per store (per pool). */
export class DatabaseAvailability {
  private downSince: number | undefined;
  private lastError = '';
  private failures = 0;
  private suppressed = 0;
  private lastLogAt = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: AvailabilityOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Records `err` if it is a connection error (see `isConnectionError`) and returns true: the
   * caller then need not log it. Returns false (and records nothing) for any other error.
   * @param source who saw it, for the log (`store`, `scheduler`, `pool`, …).
   */
  absorb(err: unknown, source: string): boolean {
    if (!isConnectionError(err)) return false;
    // shutting down (e.g. Ctrl-C reached the embedded PostgreSQL too): expected, not an outage
    if (shutdownInProgress()) {
      this.opts.logger.debug({ source, err: describe(err) }, 'database connection closed while shutting down');
      return true;
    }
    // The translated error says nothing about the cause: keep the first, original description.
    const detail = err instanceof DatabaseUnavailableError ? describe(err.cause ?? err) : describe(err);
    const t = this.now();
    this.failures += 1;
    if (this.downSince === undefined) {
      this.downSince = t;
      this.lastError = detail;
      this.lastLogAt = t;
      this.suppressed = 0;
      this.opts.logger.error(
        { source, err: detail },
        'database unavailable: requests are answered "暂时不可用" until it is back',
      );
      this.startProbing();
      return true;
    }
    this.lastError = detail;
    if (t - this.lastLogAt >= this.opts.logIntervalMs) {
      this.opts.logger.warn(
        { source, err: detail, downForMs: t - this.downSince, failuresSinceLastLine: this.suppressed + 1 },
        'database still unavailable',
      );
      this.lastLogAt = t;
      this.suppressed = 0;
    } else {
      this.suppressed += 1;
    }
    return true;
  }

  /**
   * The error to rethrow for `err`: a `DatabaseUnavailableError` (recorded, cause kept) for a
   * connection error, otherwise `err` itself.
   */
  translate(err: unknown, source = 'store'): unknown {
    if (err instanceof DatabaseUnavailableError) {
      this.absorb(err, source);
      return err;
    }
    if (!this.absorb(err, source)) return err;
    return new DatabaseUnavailableError(undefined, { cause: err });
  }

  /** The tracker's clock (ms since the epoch, UTC): pass it as `succeeded(startedAt)`. */
  clock(): number {
    return this.now();
  }

  /**
   * Marks the database reachable (a query succeeded); logs the recovery once. With `startedAt`
   * (the query's start, from `clock()`), a query that was already running when the outage began
   * proves nothing and is ignored: it would otherwise log a false recovery as the server stops.
   */
  succeeded(startedAt?: number): void {
    if (this.downSince === undefined) return;
    if (startedAt !== undefined && startedAt <= this.downSince) return;
    const downForMs = this.now() - this.downSince;
    this.opts.logger.info({ downForMs, failures: this.failures }, 'database available again');
    this.downSince = undefined;
    this.failures = 0;
    this.suppressed = 0;
    this.lastError = '';
    this.stopProbing();
  }

  /** Current state (for `/healthz`). */
  state(): AvailabilityState {
    if (this.downSince === undefined) return { up: true, failures: 0 };
    return { up: false, downSince: new Date(this.downSince), lastError: this.lastError, failures: this.failures };
  }

  /**
   * Probes the database now: resolves true when it answered (and records the recovery), false
   * when it did not (the failure is absorbed if it is a connection error). Never rejects.
   */
  async check(): Promise<boolean> {
    // a probe answered by a server that was already going down proves nothing (a false recovery)
    const startedAt = this.now();
    try {
      await this.opts.probe();
      this.succeeded(startedAt);
      return true;
    } catch (err) {
      if (!this.absorb(err, 'probe')) this.opts.logger.warn({ err: describe(err) }, 'database probe failed');
      return false;
    }
  }

  /** Stops the probe timer (store closing). Idempotent. */
  close(): void {
    this.closed = true;
    this.stopProbing();
  }

  private startProbing(): void {
    if (this.closed || this.probeTimer) return;
    const every = this.opts.probeEveryMs ?? Math.min(1000, this.opts.logIntervalMs);
    this.probeTimer = setInterval(() => {
      if (this.probing) return;
      this.probing = true;
      void this.check().finally(() => {
        this.probing = false;
      });
    }, every);
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}
