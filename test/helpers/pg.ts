/**
 * Per-test-file PostgreSQL databases on the one server started by jest's globalSetup
 * (test/helpers/global-setup.ts; set `TEST_DATABASE_URL` to use your own server instead).
 *
 * Usage in a test file:
 *
 *   import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
 *   let tdb: TestDatabase;
 *   beforeAll(async () => { tdb = await createTestDatabase(); });
 *   afterAll(async () => { await tdb.drop(); });
 *   test('…', async () => { await tdb.store.uow.transaction(async (repo) => { … }); });
 *
 * Each call creates a fresh, migrated database named `yq_test_<pid>_<random>`; `drop()` closes the
 * store's pool and drops the database (forcing out any connection left open). Always call `drop()`
 * in `afterAll`, or jest will wait on the open pool.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { openStore, type Store, type StoreLogger } from '../../src/store/index.js';

/** A migrated database for one test file. */
export interface TestDatabase {
  /** Database name on the test server. */
  name: string;
  /** URL of this database (for code under test that opens its own pool, e.g. Agenda). */
  connectionString: string;
  /** The store opened on it (pool, Kysely, UnitOfWork, EventDedupe). */
  store: Store;
  /** Closes `store` and drops the database. Idempotent. */
  drop(): Promise<void>;
}

/**
 * URL of the run's test server (its maintenance database).
 * @throws Error when jest's globalSetup did not run (run jest with the project's jest.config.js).
 */
export function testServerUrl(): string {
  const url = process.env.YQ_TEST_PG_URL;
  if (!url)
    throw new Error('YQ_TEST_PG_URL is not set: run jest with jest.config.js (its globalSetup starts PostgreSQL)');
  return url;
}

/** `serverUrl` with its database replaced by `database`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs one statement on the maintenance database with a short-lived client. */
async function admin(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/**
 * Creates and migrates a uniquely named database and opens a store on it.
 * @param opts.logger store logger (default silent).
 */
export async function createTestDatabase(opts: { logger?: StoreLogger } = {}): Promise<TestDatabase> {
  const name = `yq_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name} ENCODING 'UTF8' TEMPLATE template0`);
  const connectionString = databaseUrl(testServerUrl(), name);
  let store: Store;
  try {
    store = await openStore({ connectionString, logger: opts.logger });
  } catch (err) {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw err;
  }
  let dropping: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    dropping ??= store.close().finally(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    return dropping;
  };
  return { name, connectionString, store, drop };
}
