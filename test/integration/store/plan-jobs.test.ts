/**
 * A plan's first chase runs are written by the plan's own statement (`PlanWrite.jobs`, issue 15
 * target 1): the scheduler's rows in `agenda_jobs` (the table as Agenda's backend creates it) and
 * one NOTIFY naming the earliest run, delivered at commit and never for a rolled back plan; the
 * same SQL as `queueSchedulerJobs`.
 */
import pg from 'pg';
import pino from 'pino';
import type { PlanWrite } from '../../../src/domain/ports.js';
import { createScheduler, type Scheduler } from '../../../src/jobs/agenda.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { makeIncident } from './support.js';

let tdb: TestDatabase;
let scheduler: Scheduler;
let listener: pg.Client;
const heard: string[] = [];
let onHeard: (() => void) | undefined;

beforeAll(async () => {
  tdb = await createTestDatabase();
  scheduler = createScheduler({ pool: tdb.store.pool, logger: pino({ level: 'silent' }) });
  await scheduler.start(); // creates agenda_jobs
  listener = new pg.Client({ connectionString: tdb.connectionString });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.channel !== 'agenda_jobs') return;
    heard.push(n.payload ?? '');
    onHeard?.();
  });
  await listener.query('LISTEN agenda_jobs');
});
afterAll(async () => {
  await listener.end();
  await scheduler.stop();
  await tdb.drop();
});

/** Resolves once `n` notifications have been heard in all. */
function heardCount(n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (heard.length >= n) resolve();
    };
    onHeard = check;
    check();
  });
}

const at = new Date('2026-11-29T01:00:00Z');
function plan(id: string, planId: string, runs: Date[]): PlanWrite {
  return {
    incidentId: id,
    planId,
    open: [],
    escalation: { level: 'III', remindAt: [0.5], ladder: [], quietHours: null },
    at,
    entry: { incidentId: id, actor: 'system', kind: 'milestone.planned', at, payload: { planId } },
    jobs: {
      name: 'milestone-chase',
      jobs: runs.map((r, i) => ({ runAt: r, data: { incidentId: id, key: `k${i}`, planId } })),
    },
  };
}

test('one statement writes the plan and its scheduler rows; the NOTIFY names the earliest run and comes at commit', async () => {
  const id = 'YQ-20261129-101';
  await tdb.store.uow.repo.insertIncident(makeIncident(id));
  const runs = [new Date('2026-11-29T01:30:00Z'), new Date('2026-11-29T01:10:00Z'), new Date('2026-11-29T02:00:00Z')];
  const texts: string[] = [];
  await tdb.store.uow.transaction(async (repo) => {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const q = args[0] as string | { text?: string };
      texts.push(typeof q === 'string' ? q : (q?.text ?? '?'));
      return original.apply(this, args);
    };
    try {
      await repo.savePlan(plan(id, 'plan-jobs-1', runs));
    } finally {
      proto.query = original;
    }
    // not before commit
    expect(heard).toEqual([]);
  });
  // begin (held by the store until the next statement) goes with it: one statement in all
  expect(texts.filter((t) => t !== 'begin')).toHaveLength(1);
  await heardCount(1);
  const { rows } = await tdb.store.pool.query<{ id: string; next_run_at: Date; data: { key: string } }>(
    `SELECT id, next_run_at, data FROM agenda_jobs WHERE data->>'incidentId' = $1 ORDER BY next_run_at`,
    [id],
  );
  expect(rows.map((r) => [r.next_run_at.toISOString(), r.data.key])).toEqual([
    ['2026-11-29T01:10:00.000Z', 'k1'],
    ['2026-11-29T01:30:00.000Z', 'k0'],
    ['2026-11-29T02:00:00.000Z', 'k2'],
  ]);
  const note = JSON.parse(heard[0]) as { jobId: string; jobName: string; nextRunAt: string; priority: number };
  expect(note).toMatchObject({ jobId: rows[0].id, jobName: 'milestone-chase', priority: 0 });
  expect(new Date(note.nextRunAt).toISOString()).toBe('2026-11-29T01:10:00.000Z');
  expect((await tdb.store.uow.repo.getIncident(id))?.planId).toBe('plan-jobs-1');
});

test('a rolled back plan leaves no scheduler rows and sends no NOTIFY; queueSchedulerJobs writes the same rows', async () => {
  const id = 'YQ-20261129-102';
  await tdb.store.uow.repo.insertIncident(makeIncident(id));
  const before = heard.length;
  await expect(
    tdb.store.uow.transaction(async (repo) => {
      await repo.savePlan(plan(id, 'plan-jobs-2', [new Date('2026-11-29T01:20:00Z')]));
      throw new Error('refused after the plan');
    }),
  ).rejects.toThrow('refused after the plan');
  // the next notification heard is this one, so the rolled back plan sent none
  await tdb.store.uow.transaction(async (repo) => {
    await repo.queueSchedulerJobs('milestone-chase', [
      { runAt: new Date('2026-11-29T01:40:00Z'), data: { incidentId: id, key: 'q', planId: 'plan-q' } },
    ]);
  });
  await heardCount(before + 1);
  expect(heard).toHaveLength(before + 1);
  expect(JSON.parse(heard[before])).toMatchObject({ jobName: 'milestone-chase' });
  const { rows } = await tdb.store.pool.query<{ data: { key: string } }>(
    `SELECT data FROM agenda_jobs WHERE data->>'incidentId' = $1`,
    [id],
  );
  expect(rows.map((r) => r.data.key)).toEqual(['q']);
});
