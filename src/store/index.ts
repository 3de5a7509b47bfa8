/**
 * The store's public surface. `main.ts` typically does:
 *
 *   const database = await startDatabase({ dataDir: settings.DATA_DIR, databaseUrl: settings.DATABASE_URL, logger });
 *   const store = await openStore({ connectionString: database.connectionString, logger });
 *   installShutdownHooks(async () => { …stop HTTP, jobs…; await store.close(); await database.stop(); }, { logger });
 */
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { DatabaseAvailability } from './availability.js';
import { createKysely, createPool } from './db.js';
import { silentLogger, type StoreLogger } from './logger.js';
import { migrateToLatest } from './migrations/index.js';
import { PgEventDedupe } from './PgEventDedupe.js';
import { PgReportStore } from './PgReportStore.js';
import { PgOutbox } from './PgOutbox.js';
import { PgUnitOfWork } from './PgUnitOfWork.js';
import { listen, type Listener } from './PgListener.js';
import { OUTBOX_CHANNEL } from './tx-context.js';
import type { NoticeRouter } from '../domain/ports.js';
import type { Database } from './schema.js';

export { startDatabase, APP_DATABASE, type StartDatabaseOptions, type DatabaseHandle } from './embedded.js';
export { installShutdownHooks, type ShutdownHookOptions } from './shutdown-hooks.js';
export { migrateToLatest } from './migrations/index.js';
export { createKysely, createPool, parseInt8 } from './db.js';
export { DatabaseAvailability, isConnectionError, type AvailabilityState } from './availability.js';
export { PgIncidentRepo } from './PgIncidentRepo.js';
export { PgUnitOfWork } from './PgUnitOfWork.js';
export { PgEventDedupe } from './PgEventDedupe.js';
export { PgReportStore } from './PgReportStore.js';
export { PgOutbox, mergeMessages } from './PgOutbox.js';
export { PgAdvisoryLeader, type PgAdvisoryLeaderOptions, type LeadershipHandlers } from './PgAdvisoryLeader.js';
export { PgChaseQueue } from './PgChaseQueue.js';
export type { Listener } from './PgListener.js';
export type { Database } from './schema.js';
export type { StoreLogger } from './logger.js';

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** `postgres://…` URL (from `DatabaseHandle.connectionString`). Never logged. */
  connectionString: string;
  logger?: StoreLogger;
  /** Pool size (default 10). */
  maxConnections?: number;
  /**
   * Size of the store's second pool, for incident numbers only (default 2): each use is one short
   * autocommit statement (`PgIncidentRepo.nextIncidentId`), so two serve many concurrent opens.
   */
  numberConnections?: number;
  /** Fans domain notices out to platform deliveries (`bot/Notifier.ts` `routeNotice`); default: none. */
  router?: NoticeRouter;
  /** Longest wait for a new connection, ms (default 5000). */
  connectionTimeoutMs?: number;
  /** At most one "database still unavailable" log line per this many ms (default 10000). */
  outageLogIntervalMs?: number;
}

/** An open store: everything the services and jobs need from PostgreSQL. */
export interface Store {
  /** Typed query builder (reports, exports). */
  db: Kysely<Database>;
  /** The underlying pool (e.g. for Agenda's PostgreSQL backend). */
  pool: pg.Pool;
  uow: PgUnitOfWork;
  dedupe: PgEventDedupe;
  /** Reads and claims of the reports (issue 9). */
  reports: PgReportStore;
  /** The outbox (issue 14): the worker's and the command reply path's side. */
  outbox: PgOutbox;
  /** LISTENs for committed outbox rows (any instance): `onNotify` wakes the worker. */
  listenOutbox(onNotify: () => void): Promise<Listener>;
  /** The database's reachability: outage state for /healthz, and the once-per-interval outage log. */
  availability: DatabaseAvailability;
  /** Ends the pool (waits for checked-out clients to be released). Idempotent. */
  close(): Promise<void>;
}

/**
 * Connects, migrates to the latest schema and returns the store. On a migration failure the pool
 * is closed and the error is rethrown.
 * @throws Error when the server is unreachable or a migration fails (`database migration "…" failed: …`).
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const logger = opts.logger ?? silentLogger;
  let pool: pg.Pool | undefined;
  const availability = new DatabaseAvailability({
    logger,
    probe: () => pool!.query('SELECT 1'),
    logIntervalMs: opts.outageLogIntervalMs ?? 10_000,
  });
  pool = createPool({
    connectionString: opts.connectionString,
    logger,
    max: opts.maxConnections,
    connectionTimeoutMs: opts.connectionTimeoutMs,
    availability,
  });
  const db = createKysely(pool, availability);
  // incident numbers: one autocommit statement each, on connections of their own, so an open that
  // holds a pool connection in its transaction never waits for a second one from the same pool
  const numberPool = createPool({
    connectionString: opts.connectionString,
    logger,
    max: opts.numberConnections ?? 2,
    connectionTimeoutMs: opts.connectionTimeoutMs,
    availability,
  });
  const numbers = createKysely(numberPool, availability);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      availability.close();
      await Promise.all([db.destroy(), numbers.destroy()]);
    })());
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  } catch (err) {
    await close();
    throw err;
  }
  const uow = new PgUnitOfWork(db, opts.router, { numbers, logger });
  return {
    db,
    pool,
    uow,
    dedupe: new PgEventDedupe(db),
    reports: new PgReportStore(db),
    availability,
    outbox: new PgOutbox(db, uow),
    listenOutbox: (onNotify) =>
      listen({ connectionString: opts.connectionString, channel: OUTBOX_CHANNEL, onNotify, logger }),
    close,
  };
}
