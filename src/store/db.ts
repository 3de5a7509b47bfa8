/**
 * Connection pool and Kysely instance. Type parsing is set per pool (no global side effects):
 * `int8` (bigserial `seq`, `count(*)`) is read as a JS `number` and rejected if it exceeds
 * `Number.MAX_SAFE_INTEGER`; `timestamptz` is read as a UTC `Date`; `jsonb` and `text[]` are parsed.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import { shutdownInProgress } from './shutdown-hooks.js';
import { silentLogger, type StoreLogger } from './logger.js';

const INT8_OID = 20;

/** Parses a PostgreSQL `int8` text value. @throws RangeError beyond ±(2^53 − 1). */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} is outside the safe integer range`);
  return n;
}

const customTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** Options for {@link createPool}. */
export interface PoolOptions {
  connectionString: string;
  logger?: StoreLogger;
  /** Maximum number of connections (default 10). */
  max?: number;
}

/**
 * Creates a pg Pool with the store's type parsers. Errors of idle connections (e.g. the server
 * shutting down) are logged at warn level instead of crashing the process. Never logs the
 * connection string (it holds the password).
 */
export function createPool(opts: PoolOptions): pg.Pool {
  const logger = opts.logger ?? silentLogger;
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.max ?? 10, types: customTypes });
  pool.on('error', (err) => {
    // During shutdown the server ends connections the pool has already let go of: not a fault.
    if (pool.ending || shutdownInProgress())
      logger.debug({ err: err.message }, 'connection closed by the server during shutdown');
    else logger.warn({ err: err.message }, 'idle PostgreSQL connection failed');
  });
  return pool;
}

/** Wraps a pool in a typed Kysely instance. `db.destroy()` ends the pool. */
export function createKysely(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
