/**
 * Leadership by a PostgreSQL session advisory lock (issue 12 item 1): exactly one instance holds
 * a resource that allows one holder at a time, such as the WeCom AI-bot long connection (one
 * connection per bot; a second one evicts the first, wecom.md §1c, §6.8).
 *
 * The lock is taken with `pg_try_advisory_lock` on a DEDICATED connection (not the pool: a
 * session lock lives and dies with its connection). Every `pollMs` a non-holder tries again and the
 * holder checks its connection with `SELECT 1`. When the holder dies (SIGKILL, lost network), its
 * connection closes and PostgreSQL releases the lock, so another instance takes over within about
 * `pollMs`. When the holder's own connection fails, it reports the loss at once (`onLost`) before
 * anyone else can acquire the lock, so two holders never overlap on our side.
 */
import pg from 'pg';
import type { StoreLogger } from './logger.js';

/** Options of {@link PgAdvisoryLeader}. */
export interface PgAdvisoryLeaderOptions {
  /** `postgres://…` URL. Never logged. */
  connectionString: string;
  /** Names the lock (e.g. `wecom-aibot:<botId>`); hashed into the advisory key with `hashtext`. */
  name: string;
  /** How often a non-holder retries and the holder checks its connection, ms. */
  pollMs: number;
  /** Longest wait for connecting or a check query, ms (a hung server counts as lost). */
  queryTimeoutMs?: number;
  logger: StoreLogger;
}

/** What the holder is told. Callbacks must not throw (errors are logged). */
export interface LeadershipHandlers {
  /** This instance now holds the lock. */
  onAcquired(): void | Promise<void>;
  /** This instance no longer holds it (connection lost or `stop()`). */
  onLost(reason: string): void | Promise<void>;
}

/** One instance's candidacy for one named lock; see the module comment. */
export class PgAdvisoryLeader {
  private client?: pg.Client;
  private holding = false;
  private timer?: NodeJS.Timeout;
  private running = false;
  private tick?: Promise<void>;
  private handlers?: LeadershipHandlers;

  constructor(private readonly opts: PgAdvisoryLeaderOptions) {}

  /** Whether this instance holds the lock now. */
  get isLeader(): boolean {
    return this.holding;
  }

  /** Starts competing (first attempt at once). Idempotent. */
  async start(handlers: LeadershipHandlers): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.handlers = handlers;
    await this.runTick();
  }

  /** Stops competing; releases the lock (by closing the connection) and reports `onLost` if held. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    await this.drop('stopped');
  }

  private async runTick(): Promise<void> {
    this.tick = this.step().finally(() => {
      if (this.running) this.timer = setTimeout(() => void this.runTick(), this.opts.pollMs);
    });
    await this.tick;
  }

  /** One attempt (non-holder) or check (holder); never throws. */
  private async step(): Promise<void> {
    try {
      if (this.holding) {
        await this.query('SELECT 1');
        return;
      }
      if (!this.client) await this.connect();
      const r = await this.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        this.opts.name,
      ]);
      if (r.rows[0]?.locked && this.running) {
        this.holding = true;
        this.opts.logger.info({ lock: this.opts.name }, 'leadership acquired');
        await this.call(() => this.handlers?.onAcquired());
      }
    } catch (err) {
      await this.drop(`connection failed: ${(err as Error).message}`);
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: this.opts.queryTimeoutMs ?? 5000,
      application_name: `leader:${this.opts.name}`,
    });
    // An error of an idle connection (server gone): the lock is gone with it. A late error of a
    // connection already replaced must not drop its successor.
    client.on('error', (err) => {
      if (this.client === client) void this.drop(`connection error: ${err.message}`);
    });
    this.client = client;
    await client.connect();
  }

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const client = this.client;
    if (!client) throw new Error('no leader connection');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('leader check timed out')), this.opts.queryTimeoutMs ?? 5000);
    });
    try {
      return await Promise.race([client.query<R>(text, values), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection (releasing any lock) and reports the loss if the lock was held. */
  private async drop(reason: string): Promise<void> {
    const client = this.client;
    this.client = undefined;
    const was = this.holding;
    this.holding = false;
    if (was) {
      this.opts.logger.warn({ lock: this.opts.name, reason }, 'leadership lost');
      await this.call(() => this.handlers?.onLost(reason));
    }
    // bounded: `end()` of a connection the server already closed may never settle
    if (client) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  private async call(fn: () => void | Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.opts.logger.error({ err, lock: this.opts.name }, 'leadership handler failed');
    }
  }
}
