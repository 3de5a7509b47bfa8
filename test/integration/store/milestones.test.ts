/**
 * Milestones, chase steps and breaches (domain.md "Time limits", "Notification and escalation
 * ladder", "Assessment": breach grading per 000 L2; architecture.md: each escalation step runs once).
 */
import pg from 'pg';
import type { MilestoneRecord } from '../../../src/domain/types.js';
import { IncidentNotFoundError } from '../../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { makeIncident } from './support.js';

let tdb: TestDatabase;
const ID = 'YQ-20261129-001';
const t = (m: number) => new Date(Date.UTC(2026, 10, 29, 1, m));
const milestone = (key: string, dueMinute: number, planId: string): MilestoneRecord => ({
  incidentId: ID,
  key,
  name: `里程碑 ${key}`,
  ownerIds: ['p-direct', 'p-office'],
  startsAt: t(0),
  dueAt: t(dueMinute),
  state: 'open',
  metAt: null,
  metBy: null,
  breachedAt: null,
  planId,
});

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.store.uow.repo.insertIncident(makeIncident(ID));
});
afterAll(async () => {
  await tdb.drop();
});

test('replaceOpenMilestones re-plans open milestones and keeps met ones (level raise re-plans open deadlines)', async () => {
  const repo = tdb.store.uow.repo;
  await repo.replaceOpenMilestones(ID, [
    milestone('reportUp', 30, 'plan-1'),
    milestone('assess', 30, 'plan-1'),
    milestone('plan', 120, 'plan-1'),
  ]);
  expect(await repo.markMilestoneMet(ID, 'reportUp', 'p-direct', t(20))).toBe(true);
  await repo.replaceOpenMilestones(ID, [
    milestone('reportUp', 15, 'plan-2'),
    milestone('assess', 15, 'plan-2'),
    milestone('specialReport', 240, 'plan-2'),
  ]);
  expect(await repo.milestones(ID)).toEqual([
    milestone('assess', 15, 'plan-2'),
    { ...milestone('reportUp', 30, 'plan-1'), state: 'met', metAt: t(20), metBy: 'p-direct' },
    milestone('specialReport', 240, 'plan-2'),
  ]);
});

test('markMilestoneMet returns false unless the milestone is open', async () => {
  const repo = tdb.store.uow.repo;
  expect(await repo.markMilestoneMet(ID, 'reportUp', 'p-office', t(25))).toBe(false);
  expect(await repo.markMilestoneMet(ID, 'no-such-key', 'p-office', t(25))).toBe(false);
});

test('markMilestoneBreached sets breachedAt once and the milestone stays open', async () => {
  const repo = tdb.store.uow.repo;
  expect(await repo.markMilestoneBreached(ID, 'assess', t(16))).toBe(true);
  expect(await repo.markMilestoneBreached(ID, 'assess', t(40))).toBe(false);
  const assess = (await repo.milestones(ID)).find((m) => m.key === 'assess');
  expect(assess).toMatchObject({ state: 'open', breachedAt: t(16) });
});

test('cancelOpenMilestones cancels open ones only; a later plan may reuse a cancelled key', async () => {
  const repo = tdb.store.uow.repo;
  await repo.cancelOpenMilestones(ID);
  expect((await repo.milestones(ID)).map((m) => [m.key, m.state])).toEqual([
    ['assess', 'cancelled'],
    ['reportUp', 'met'],
    ['specialReport', 'cancelled'],
  ]);
  await repo.replaceOpenMilestones(ID, [milestone('assess', 90, 'plan-3')]);
  expect((await repo.milestones(ID)).find((m) => m.key === 'assess')).toEqual(milestone('assess', 90, 'plan-3'));
});

test('replaceOpenMilestones rejects a record of another incident', async () => {
  await expect(
    tdb.store.uow.repo.replaceOpenMilestones(ID, [{ ...milestone('x', 10, 'p'), incidentId: 'YQ-20261129-002' }]),
  ).rejects.toThrow(/belongs to YQ-20261129-002/);
});

test('claimChaseStep succeeds exactly once among 10 concurrent claimers; a new plan claims afresh', async () => {
  const claim = (planId: string) =>
    tdb.store.uow.transaction((repo) => repo.claimChaseStep(ID, 'assess', 'directResponsible', planId, t(45)));
  const results = await Promise.all(Array.from({ length: 10 }, () => claim('plan-3')));
  expect(results.filter((r) => r)).toHaveLength(1);
  expect(await claim('plan-3')).toBe(false);
  expect(await claim('plan-4')).toBe(true);
});

test('breaches are recorded, listed and regraded (000 L2 minor/major)', async () => {
  const repo = tdb.store.uow.repo;
  const b = await repo.insertBreach({
    incidentId: ID,
    milestoneKey: 'assess',
    personIds: ['p-direct'],
    grade: 'minor',
    at: t(31),
    gradedBy: null,
    note: null,
  });
  expect(b).toEqual({
    id: expect.any(Number),
    incidentId: ID,
    milestoneKey: 'assess',
    personIds: ['p-direct'],
    grade: 'minor',
    at: t(31),
    gradedBy: null,
    note: null,
  });
  const regraded = await repo.updateBreachGrade(b.id, 'major', 'p-first', '瞒报');
  expect(regraded).toEqual({ ...b, grade: 'major', gradedBy: 'p-first', note: '瞒报' });
  expect(await repo.breaches(ID)).toEqual([regraded]);
  expect(await repo.updateBreachGrade(b.id + 1000, 'minor', 'p-first', null)).toBeUndefined();
});

test('activeOpenMilestones lists open milestones of the active plan only, soonest first', async () => {
  const repo = tdb.store.uow.repo;
  const other = 'YQ-20261129-002';
  await repo.insertIncident(makeIncident(other, { planId: 'plan-b' }));
  await repo.updateIncident(ID, { planId: 'plan-3' });
  await repo.replaceOpenMilestones(other, [
    { ...milestone('reportUp', 50, 'plan-b'), incidentId: other },
    { ...milestone('assess', 5, 'plan-stale'), incidentId: other },
    { ...milestone('plan', 70, 'plan-b'), incidentId: other },
  ]);
  await repo.markMilestoneMet(other, 'plan', 'p-direct', t(60));
  expect(await repo.activeOpenMilestones()).toEqual([
    { incidentId: other, key: 'reportUp', planId: 'plan-b' },
    { incidentId: ID, key: 'assess', planId: 'plan-3' },
  ]);
});

test('savePlan replaces the open milestones, sets the plan id and writes the snapshot and the ledger entry', async () => {
  const id = 'YQ-20261129-003';
  const repo = tdb.store.uow.repo;
  await repo.insertIncident(makeIncident(id));
  const of = (m: MilestoneRecord) => ({ ...m, incidentId: id });
  const escalation = { level: 'III', remindAt: [0.5], ladder: [], quietHours: null };
  const entry = (planId: string) => ({
    incidentId: id,
    actor: 'system',
    kind: 'milestone.planned' as const,
    at: t(1),
    payload: { planId },
  });
  await repo.savePlan({
    incidentId: id,
    planId: 'plan-x',
    open: [of(milestone('reportUp', 30, 'plan-x')), of(milestone('assess', 40, 'plan-x'))],
    escalation,
    at: t(1),
    entry: entry('plan-x'),
  });
  await repo.markMilestoneMet(id, 'reportUp', 'p-direct', t(5));
  await repo.savePlan({
    incidentId: id,
    planId: 'plan-y',
    open: [of(milestone('reportUp', 20, 'plan-y')), of(milestone('plan', 90, 'plan-y'))],
    escalation,
    at: t(6),
    entry: entry('plan-y'),
  });
  // the open 'assess' of the old plan is gone, the met 'reportUp' kept, 'plan' added
  expect(await repo.milestones(id)).toEqual([
    { ...of(milestone('reportUp', 30, 'plan-x')), state: 'met', metAt: t(5), metBy: 'p-direct' },
    of(milestone('plan', 90, 'plan-y')),
  ]);
  expect((await repo.getIncident(id))?.planId).toBe('plan-y');
  expect(await repo.planSnapshot('plan-y')).toEqual(escalation);
  expect((await repo.ledger(id)).map((e) => e.payload)).toEqual([{ planId: 'plan-x' }, { planId: 'plan-y' }]);
});

test('savePlan for an unknown incident throws IncidentNotFoundError and writes nothing', async () => {
  const before = await tdb.store.db.selectFrom('plan_snapshots').select('plan_id').execute();
  await expect(
    tdb.store.uow.repo.savePlan({
      incidentId: 'YQ-20261129-099',
      planId: 'plan-none',
      open: [],
      escalation: { level: 'III', remindAt: [], ladder: [], quietHours: null },
      at: t(1),
      entry: { incidentId: 'YQ-20261129-099', actor: 'system', kind: 'milestone.planned', at: t(1), payload: {} },
    }),
  ).rejects.toBeInstanceOf(IncidentNotFoundError);
  expect(await tdb.store.db.selectFrom('plan_snapshots').select('plan_id').execute()).toEqual(before);
});

test('in the transaction that inserted an incident, milestones() after savePlan needs no round trip and matches the database; other milestone writes and a rolled back savepoint make it ask again', async () => {
  const id = 'YQ-20261129-004';
  const of = (m: MilestoneRecord) => ({ ...m, incidentId: id });
  const escalation = { level: 'III', remindAt: [0.5], ladder: [], quietHours: null };
  const plan = (planId: string, open: MilestoneRecord[], at: Date) => ({
    incidentId: id,
    planId,
    open,
    escalation,
    at,
    entry: { incidentId: id, actor: 'system', kind: 'milestone.planned' as const, at, payload: { planId } },
  });
  const statements: string[] = [];
  const counting = async <T>(fn: () => Promise<T>): Promise<T> => {
    const client = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = client.query;
    client.query = function (this: unknown, ...args: unknown[]) {
      statements.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text));
      return original.apply(this, args);
    };
    try {
      return await fn();
    } finally {
      client.query = original;
    }
  };
  const firstPlan = [of(milestone('reportUp', 30, 'plan-x')), of(milestone('assess', 40, 'plan-x'))];
  const secondPlan = [of(milestone('reportUp', 20, 'plan-y')), of(milestone('plan', 90, 'plan-y'))];
  const metReportUp = {
    ...of(milestone('reportUp', 30, 'plan-x')),
    state: 'met' as const,
    metAt: t(5),
    metBy: 'p-direct',
  };
  await tdb.store.uow.transaction(async (repo) => {
    await repo.insertIncident(makeIncident(id));
    await repo.savePlan(plan('plan-x', firstPlan, t(1)));
    expect(await counting(() => repo.milestones(id))).toEqual(firstPlan);
    expect(statements).toEqual([]);
    // a copy: changing what it returned changes nothing kept
    (await repo.milestones(id))[0].ownerIds.push('p-nobody');
    expect(await counting(() => repo.milestones(id))).toEqual(firstPlan);
    expect(statements).toEqual([]);
    // another milestone write: the next read asks the database
    await repo.markMilestoneMet(id, 'reportUp', 'p-direct', t(5));
    expect(await counting(() => repo.milestones(id))).toEqual([metReportUp, firstPlan[1]]);
    expect(statements).toHaveLength(1);
    // a re-plan keeps the met one and drops the stale open one: what it returns is the database's rows
    await repo.savePlan(plan('plan-y', secondPlan, t(6)));
    statements.length = 0;
    expect(await counting(() => repo.milestones(id))).toEqual([metReportUp, secondPlan[1]]);
    expect(statements).toEqual([]);
    // a savepoint that re-plans and rolls back: the next read asks the database again
    await tdb.store.uow
      .transaction(async (inner) => {
        await inner.savePlan(plan('plan-z', [of(milestone('plan', 60, 'plan-z'))], t(7)));
        throw new Error('inner fails');
      })
      .catch(() => undefined);
    statements.length = 0;
    expect(await counting(() => repo.milestones(id))).toEqual([metReportUp, secondPlan[1]]);
    expect(statements).toHaveLength(1);
  });
  expect(await tdb.store.uow.repo.milestones(id)).toEqual([metReportUp, secondPlan[1]]);
  // outside that transaction (and for an incident it did not insert) milestones() reads the database
  statements.length = 0;
  await tdb.store.uow.transaction(async (repo) => {
    await repo.savePlan(plan('plan-w', [of(milestone('plan', 100, 'plan-w'))], t(8)));
    expect(await counting(() => repo.milestones(id))).toEqual([metReportUp, of(milestone('plan', 100, 'plan-w'))]);
    expect(statements).toHaveLength(1);
  });
});
