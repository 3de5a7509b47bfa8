/**
 * Connection pool and Kysely instance. Type parsing is set per pool (no global side effects):
 * `int8` (bigserial `seq`, `count(*)`) is read as a JS `number` and rejected if it exceeds
 * `Number.MAX_SAFE_INTEGER`; `timestamptz` is read as a UTC `Date`; `jsonb` and `text[]` are parsed.
 * Statements with parameters that write rows run as named prepared statements (`preparedName`);
 * a transaction's `begin` goes with its next statement (`storePool`).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { DatabaseAvailability } from './availability.js';
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
  /** Longest wait for a new connection, ms (default 5000; settings DB_CONNECT_TIMEOUT_MS). 0 = no limit. */
  connectionTimeoutMs?: number;
  /** Where connection errors of idle clients go (logged once per outage); without it, warn per error. */
  availability?: DatabaseAvailability;
}

/**
 * Creates a pg Pool with the store's type parsers. Errors of connections, idle or checked out
 * (e.g. the server shutting down), go to `availability` (else are logged at warn level) instead of
 * crashing the process. Never logs the connection string (it holds the password).
 */
export function createPool(opts: PoolOptions): pg.Pool {
  const logger = opts.logger ?? silentLogger;
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    types: customTypes,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5000,
  });
  // Every connection gets a listener of its own for its whole life, checked out or idle: a client
  // checked out by code that adds none (Agenda's backend, between the queries of a transaction)
  // would otherwise turn the server going away (57P01) into an unhandled 'error' event, which ends
  // the process (seen in CI in database-restart). The holder's next query then fails and is handled
  // (translated by `createKysely`'s pool, absorbed by the scheduler). An idle connection's error
  // reaches this listener too; the pool's own 'error' event for it is the same error, heard below
  // only so that the pool does not throw it.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      // During shutdown the server ends connections the pool has already let go of: not a fault.
      if (pool.ending || shutdownInProgress())
        logger.debug({ err: err.message }, 'connection closed by the server during shutdown');
      else if (!opts.availability?.absorb(err, 'connection'))
        logger.warn({ err: err.message }, 'PostgreSQL connection failed');
    });
  });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Wraps a pool in a typed Kysely instance. `db.destroy()` ends the pool. Statements with
 * parameters that write rows run as named prepared statements (see `preparedName`). With
 * `availability`, every connection error of a query or a checkout is rethrown as
 * `DatabaseUnavailableError` (recorded there once per outage) and every successful query marks the
 * database reachable again: the one place where the store maps "database unavailable" (issue 14).
 */
export function createKysely(pool: pg.Pool, availability?: DatabaseAvailability): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: storePool(pool, availability) }) });
}

/**
 * The pool as Kysely sees it: writes prepared, connection errors translated (see `createKysely`),
 * and a transaction's `begin` held until the connection's next statement. Kysely sends `begin` as
 * a statement of its own; nothing runs in PostgreSQL between it and the next one, so it goes with
 * that one: in the same simple query when the next has no parameters (`begin;SAVEPOINT sp_1`, a
 * command scope's savepoint; `begin;commit`), else queued just before it (pg sends it first). One
 * round trip fewer per transaction that starts with a savepoint (issue 15 target 1).
 */
function storePool(pool: pg.Pool, availability?: DatabaseAvailability): PostgresPool {
  const fail = (err: unknown): never => {
    throw availability ? availability.translate(err) : err;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      // (its 'error' events while checked out are heard by the listener `createPool` gives every connection)
      const client = await pool.connect().catch(fail);
      let held = false;
      const send = (text: string, values: unknown[] | undefined): Promise<pg.QueryResult> => {
        const name = values?.length ? preparedName(text) : undefined;
        return name ? client.query({ text, values, name }) : client.query(text, values);
      };
      return {
        query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) => {
          const values = parameters as unknown[] | undefined;
          if (sqlOrCursor === 'begin' && !values?.length && !held) {
            held = true;
            return Promise.resolve({ command: 'BEGIN', rowCount: null, oid: 0, fields: [], rows: [] });
          }
          const begin = held;
          held = false;
          if (typeof sqlOrCursor !== 'string') {
            if (begin) client.query('begin').catch(() => undefined); // its failure fails the cursor too
            return client.query(sqlOrCursor as never);
          }
          const startedAt = availability?.clock();
          let run: Promise<pg.QueryResult>;
          if (begin && !values?.length)
            run = client
              .query(`begin;${sqlOrCursor}`)
              .then((r) => (Array.isArray(r) ? (r.at(-1) as pg.QueryResult) : r));
          else if (begin) {
            const first = client.query('begin');
            const next = send(sqlOrCursor, values);
            run = first.then(
              () => next,
              (err: unknown) => {
                next.catch(() => undefined);
                throw err;
              },
            );
          } else run = send(sqlOrCursor, values);
          return run.then((r) => {
            if (startedAt !== undefined) availability?.succeeded(startedAt);
            return r;
          }, fail);
        }) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => {
          held = false;
          client.release(destroy);
        },
      };
    },
    end: () => pool.end(),
  };
}

/** At most this many statement texts are remembered by `preparedName` (per process). */
export const PREPARED_TEXTS_MAX = 500;
const prepared = new Map<string, string | null>();
const WRITES = /^\s*(?:insert|update|delete)\b|^\s*with\b[\s\S]*\b(?:insert|update|delete)\b/i;
/** A row-locking clause of a read (`FOR UPDATE`, `FOR NO KEY UPDATE`): not a write. */
const LOCKING = /\bfor\s+(?:no\s+key\s+)?update\b/gi;
/** A queue's claim (rows picked by order, skipping locked ones): the best plan depends on the queue's size now. */
const PICKS_ROWS = /\bskip\s+locked\b/i;

/**
 * The prepared-statement name for the text of a statement with parameters, or undefined to run it
 * unnamed. Statements that write rows (INSERT, UPDATE, DELETE, or a WITH that contains one) get a
 * name, the same for the same text in the whole process (`w0`, `w1`, …); pg then parses each once
 * per connection and binds it afterwards, and PostgreSQL may keep a generic plan for it after five
 * executions instead of planning it every time (issue 15 target 1: planning was a good part of
 * PostgreSQL's CPU per open, on the same cores as the bot). These statements address rows by key,
 * where a generic plan is the custom one. Reads stay unnamed and are planned for their values each
 * time (reports and lists over large tables, whose best plan may depend on them), and so do a
 * read's row locks (`… FOR UPDATE` is not a write) and a queue's claims (`SKIP LOCKED`: rows
 * picked by order from a queue whose size changes by orders of magnitude; a `LIMIT 1` that looks
 * up one row by key is fine). A generic plan made while the outbox was nearly
 * empty rescanned every pending row once per pending row when 20,000 were queued: the delivery
 * worker's claim took over 10 s (bench (i), bench/RESULTS.md section 3). Only the first
 * `PREPARED_TEXTS_MAX` texts seen are remembered; later ones run unnamed. A pooler between the
 * store and PostgreSQL must keep protocol-level prepared statements per client (PgBouncer: session
 * mode, or `max_prepared_statements` in transaction mode).
 */
export function preparedName(text: string): string | undefined {
  let name = prepared.get(text);
  if (name === undefined) {
    if (prepared.size >= PREPARED_TEXTS_MAX) return undefined;
    name = WRITES.test(text.replace(LOCKING, ' ')) && !PICKS_ROWS.test(text) ? `w${prepared.size}` : null;
    prepared.set(text, name);
  }
  return name ?? undefined;
}
