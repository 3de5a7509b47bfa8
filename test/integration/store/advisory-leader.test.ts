/**
 * Leadership by a PostgreSQL advisory lock (issue 12 item 1: exactly one instance holds the WeCom
 * long connection; another takes over within seconds when the holder dies). Two candidates on one
 * database: one holds; when the holder's connection is killed by the server it reports the loss
 * and the other acquires; a graceful stop hands over too.
 */
import { PgAdvisoryLeader } from '../../../src/store/PgAdvisoryLeader.js';
import { silentLogger } from '../../../src/store/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

/** A candidate and a promise per transition, in order. */
function candidate(name: string) {
  const log: string[] = [];
  const waiters: Array<{ what: string; n: number; resolve: () => void }> = [];
  const count = (what: string) => log.filter((x) => x === what).length;
  const note = (what: string) => {
    log.push(what);
    for (const w of waiters.filter((x) => x.what === what && count(what) >= x.n)) w.resolve();
  };
  const leader = new PgAdvisoryLeader({
    connectionString: tdb.connectionString,
    name,
    pollMs: 100,
    logger: silentLogger,
  });
  /** Resolves once `what` happened `n` times. */
  const when = (what: string, n = 1) =>
    count(what) >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ what, n, resolve }));
  return {
    leader,
    log,
    when,
    start: () => leader.start({ onAcquired: () => note('acquired'), onLost: () => note('lost') }),
  };
}

// every candidate is stopped after each test, also after a timeout (a test's own `finally` does not
// run then, and a candidate left polling would keep jest from exiting)
const started: Array<{ leader: PgAdvisoryLeader }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.leader.stop()));
});

test('one of two candidates holds the lock; killing its connection hands it on; stopping the holder hands it to the other', async () => {
  const a = candidate('test-lock');
  const b = candidate('test-lock');
  started.push(a, b);
  await a.start();
  await b.start();
  await a.when('acquired');
  // several polls of b while a holds: b never acquires
  await new Promise((res) => setTimeout(res, 400));
  expect([a.leader.isLeader, b.leader.isLeader]).toEqual([true, false]);

  // the server ends a's session (as when its process dies): a says so at once; then whichever
  // candidate polls first holds it (a reconnects too) — exactly one of them
  await tdb.store.pool.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'leader:test-lock' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
  );
  await a.when('lost');
  await Promise.race([a.when('acquired', 2), b.when('acquired')]);
  expect(Number(a.leader.isLeader) + Number(b.leader.isLeader)).toBe(1);

  // a graceful stop of the holder hands the lock to the other
  const [holder, other] = a.leader.isLeader ? [a, b] : [b, a];
  const otherAcquired = other.log.filter((x) => x === 'acquired').length;
  await holder.leader.stop();
  expect(holder.log[holder.log.length - 1]).toBe('lost');
  await other.when('acquired', otherAcquired + 1);
  expect(other.leader.isLeader).toBe(true);
  await other.leader.stop();
  expect(other.leader.isLeader).toBe(false);
  expect(other.log[other.log.length - 1]).toBe('lost');
});
