/**
 * A connection the server ends while it is checked out and between two queries (what Agenda's
 * backend does with `pool.connect()`, adding no 'error' listener) must not end the process: the
 * store's pool gives every connection a listener for its whole life (src/store/db.ts). Seen in CI:
 * PostgreSQL stopped under load, `error: terminating connection due to administrator command`
 * (57P01) as an unhandled 'error' event.
 */
import { createPool } from '../../../src/store/db.js';
import type { StoreLogger } from '../../../src/store/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

/** A store logger that resolves `warned` at its first warn line. */
function warnLogger(): { logger: StoreLogger; warned: Promise<{ obj: unknown; msg?: string }> } {
  let resolve!: (v: { obj: unknown; msg?: string }) => void;
  const warned = new Promise<{ obj: unknown; msg?: string }>((r) => {
    resolve = r;
  });
  const none = () => undefined;
  return { logger: { debug: none, info: none, error: none, warn: (obj, msg) => resolve({ obj, msg }) }, warned };
}

test('a checked-out connection ended by the server is logged, not an unhandled error; its next query fails, the pool goes on', async () => {
  const { logger, warned } = warnLogger();
  const pool = createPool({ connectionString: tdb.connectionString, logger, max: 2 });
  try {
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // only the pool's listener is on it: none of the holder's
    expect(client.listenerCount('error')).toBe(1);
    await tdb.store.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    const line = await warned;
    expect(line.msg).toBe('PostgreSQL connection failed');
    expect(JSON.stringify(line.obj)).toContain('terminating connection');
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    // a fresh connection serves the next query
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
  } finally {
    await pool.end();
  }
});

test('an idle connection ended by the server is logged once and replaced', async () => {
  const lines: string[] = [];
  let heard!: () => void;
  const once = new Promise<void>((r) => {
    heard = r;
  });
  const none = () => undefined;
  const logger: StoreLogger = {
    debug: none,
    info: none,
    error: none,
    warn: (_obj, msg) => {
      lines.push(msg ?? '');
      heard();
    },
  };
  const pool = createPool({ connectionString: tdb.connectionString, logger, max: 1 });
  try {
    const pid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await tdb.store.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await once;
    expect((await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid).not.toBe(pid);
    expect(lines).toEqual(['PostgreSQL connection failed']);
  } finally {
    await pool.end();
  }
});
