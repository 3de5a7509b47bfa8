/** Jest globalTeardown: stops the test PostgreSQL started by global-setup.ts and removes its directory. */
import fs from 'node:fs/promises';
import type { TestServerState } from './global-setup.js';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __YQ_TEST_PG__?: TestServerState }).__YQ_TEST_PG__;
  if (!state) return;
  delete (globalThis as { __YQ_TEST_PG__?: TestServerState }).__YQ_TEST_PG__;
  try {
    await state.stop();
  } finally {
    if (state.dir) await fs.rm(state.dir, { recursive: true, force: true });
  }
}
