/**
 * The chase sweep's claims on real PostgreSQL (src/jobs/chase-sweep.ts over src/store/PgChaseQueue.ts,
 * the `agenda_jobs` table as Agenda's backend creates it): two instances never run one row twice,
 * a crashed instance's claim comes back after its lease and its late finish changes nothing, a run
 * that threw runs again, and stopping releases the rows not yet started.
 */
import pg from 'pg';
import pino from 'pino';
import { createScheduler, type Scheduler } from '../../../src/jobs/agenda.js';
import { type ChaseSweepOptions, ChaseSweep } from '../../../src/jobs/chase-sweep.js';
import { type ClaimedChase, PgChaseQueue } from '../../../src/store/PgChaseQueue.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

const NAME = 'milestone-chase';
type Data = { n: number };

let tdb: TestDatabase;
let scheduler: Scheduler;
let second: pg.Pool;
const sweeps: ChaseSweep<Data>[] = [];
// claim and finish errors of the sweeps (none expected)
const errors: unknown[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  // Agenda's backend creates agenda_jobs and its indexes on start
  scheduler = createScheduler({ pool: tdb.store.pool, logger: pino({ level: 'silent' }) });
  await scheduler.start();
  second = new pg.Pool({ connectionString: tdb.connectionString, max: 4 });
});
afterEach(async () => {
  for (const s of sweeps.splice(0)) await s.stop();
  await tdb.store.pool.query('DELETE FROM agenda_jobs WHERE name = $1', [NAME]);
  expect(errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await scheduler.stop();
  await second.end();
  await tdb.drop();
});

async function insertDue(count: number, at = new Date()): Promise<string[]> {
  const { rows } = await tdb.store.pool.query<{ id: string }>(
    `INSERT INTO agenda_jobs (name, priority, next_run_at, type, data, disabled, fork)
     SELECT $1, 0, $2, 'normal', jsonb_build_object('n', g), false, false FROM generate_series(1, $3) AS g
     RETURNING id`,
    [NAME, at, count],
  );
  return rows.map((r) => r.id);
}

function sweep(pool: pg.Pool, o: Partial<ChaseSweepOptions<Data>>): ChaseSweep<Data> {
  const s = new ChaseSweep<Data>({
    claims: new PgChaseQueue<Data>(pool, NAME),
    runOne: async () => null,
    onComplete: () => undefined,
    onFail: () => undefined,
    onError: (err) => errors.push(err),
    batchSize: 50,
    concurrency: 4,
    lockLifetimeMs: 20_000,
    pollMs: 100,
    retryMs: 100,
    ...o,
  });
  sweeps.push(s);
  return s;
}

test('two instances share 300 rows due at once: each runs exactly once and every row is removed', async () => {
  const ids = await insertDue(300);
  const runs = new Map<string, number>();
  let completed = 0;
  const all = new Promise<void>((resolve) => {
    const o: Partial<ChaseSweepOptions<Data>> = {
      runOne: async (row) => {
        runs.set(row.id, (runs.get(row.id) ?? 0) + 1);
        return null;
      },
      onComplete: () => {
        completed += 1;
        if (completed === ids.length) resolve();
      },
    };
    sweep(tdb.store.pool, o).start();
    sweep(second, o).start();
  });
  await all;
  expect(runs.size).toBe(300);
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
  const { rows } = await tdb.store.pool.query('SELECT id FROM agenda_jobs WHERE name = $1', [NAME]);
  expect(rows).toEqual([]);
});

test("a crashed instance's claim is taken over after its lease; its late finish changes nothing", async () => {
  const [id] = await insertDue(1);
  const crashed = new PgChaseQueue<Data>(second, NAME);
  const now = new Date();
  const [claimed] = await crashed.claim({ now, lockDeadline: new Date(now.getTime() - 20_000), limit: 10 });
  expect(claimed.id).toBe(id);
  const later = new Date(Date.now() + 3_600_000);
  const ran = new Promise<ClaimedChase<Data>>((resolve) =>
    sweep(tdb.store.pool, {
      lockLifetimeMs: 300,
      runOne: async () => later,
      onComplete: (row) => resolve(row),
    }).start(),
  );
  const row = await ran;
  expect(row.id).toBe(id);
  expect(row.lockedAt.getTime()).toBeGreaterThanOrEqual(claimed.lockedAt.getTime() + 300);
  // the crashed instance comes back and finishes with its old lease: fenced off
  await crashed.finish([{ id, lockedAt: claimed.lockedAt, next: null }], new Date());
  const { rows } = await tdb.store.pool.query<{ next_run_at: Date; locked_at: Date | null }>(
    'SELECT next_run_at, locked_at FROM agenda_jobs WHERE id = $1',
    [id],
  );
  expect(rows).toEqual([{ next_run_at: later, locked_at: null }]);
});

test('a run that throws is released and runs again after retryMs', async () => {
  await insertDue(1);
  const failures: unknown[] = [];
  let attempts = 0;
  const done = new Promise<number>((resolve) =>
    sweep(tdb.store.pool, {
      runOne: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('database went away');
        return null;
      },
      onFail: (_row, err) => failures.push(err),
      onComplete: () => resolve(attempts),
    }).start(),
  );
  expect(await done).toBe(2);
  expect(failures).toHaveLength(1);
});

test('stopping mid-batch lets the started run finish and releases the rest to run when planned', async () => {
  const planned = new Date(Date.now() - 1000);
  await insertDue(10, planned);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let started: () => void = () => undefined;
  const first = new Promise<void>((r) => (started = r));
  const s = sweep(tdb.store.pool, {
    concurrency: 1,
    runOne: async () => {
      started();
      await gate;
      return null;
    },
  });
  s.start();
  await first;
  const stopped = s.stop();
  release();
  await stopped;
  const { rows } = await tdb.store.pool.query<{ next_run_at: Date; locked_at: Date | null }>(
    'SELECT next_run_at, locked_at FROM agenda_jobs WHERE name = $1',
    [NAME],
  );
  expect(rows).toHaveLength(9);
  expect(rows.every((r) => r.locked_at === null && r.next_run_at.getTime() === planned.getTime())).toBe(true);
});
