/**
 * Jest globalSetup (see jest.config.js): starts ONE PostgreSQL server for the whole run.
 *
 * - With `TEST_DATABASE_URL` set, that server is used and nothing is started (its role needs
 *   CREATEDB; the URL's database is only used to create and drop per-file test databases).
 * - Otherwise an embedded PostgreSQL is started in a fresh directory under `os.tmpdir()`.
 *
 * The server URL is published as `process.env.YQ_TEST_PG_URL`; jest workers and the in-band
 * runtime inherit it (they are created after globalSetup). Test files do not read it directly:
 * they call `createTestDatabase()` from `test/helpers/pg.ts`. globalTeardown stops the server and
 * removes the directory, also when tests failed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

/**
 * Jest loads this file natively (its own imports are not transformed), so TypeScript sources are
 * imported through tsx's scoped loader.
 */
async function loadStartDatabase(): Promise<typeof import('../../src/store/embedded.js').startDatabase> {
  const mod = (await tsImport(
    '../../src/store/embedded.ts',
    import.meta.url,
  )) as typeof import('../../src/store/embedded.js');
  return mod.startDatabase;
}

/** What globalTeardown needs; kept on globalThis (the only state shared with globalTeardown). */
export interface TestServerState {
  stop(): Promise<void>;
  dir: string | null;
}

/** Env var holding the test server URL for this run. */
export const TEST_PG_URL_ENV = 'YQ_TEST_PG_URL';

export default async function globalSetup(): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    process.env[TEST_PG_URL_ENV] = external;
    (globalThis as { __YQ_TEST_PG__?: TestServerState }).__YQ_TEST_PG__ = { stop: async () => undefined, dir: null };
    return;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-test-pg-'));
  try {
    const startDatabase = await loadStartDatabase();
    const server = await startDatabase({ dataDir: dir });
    process.env[TEST_PG_URL_ENV] = server.connectionString;
    (globalThis as { __YQ_TEST_PG__?: TestServerState }).__YQ_TEST_PG__ = { stop: server.stop, dir };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}
