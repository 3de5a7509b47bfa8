/** Incident rows: mapping, patching, row locks, and the list filters used by commands and reports. */
import pg from 'pg';
import { NotFoundError } from '../../../src/errors.js';
import type { MilestoneRecord } from '../../../src/domain/types.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { makeIncident, waitUntil } from './support.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

test('insertIncident round-trips every field as Date/null and sets createdAt/updatedAt', async () => {
  const input = makeIncident('YQ-20261101-001', {
    occurredAt: new Date('2026-10-31T23:00:00Z'),
    category: 'inquiry',
    sourceUrl: null,
  });
  const stored = await tdb.store.uow.repo.insertIncident(input);
  expect(stored).toEqual({ ...input, createdAt: expect.any(Date), updatedAt: expect.any(Date) });
  expect(await tdb.store.uow.repo.getIncident(input.id)).toEqual(stored);
  expect(await tdb.store.uow.repo.getIncident('YQ-20261101-999')).toBeUndefined();
});

test('updateIncident patches only the given fields and bumps updatedAt', async () => {
  const before = await tdb.store.uow.repo.insertIncident(makeIncident('YQ-20261101-002'));
  const after = await tdb.store.uow.repo.updateIncident(before.id, {
    confirmedLevel: 'II',
    status: 'acknowledged',
    planId: 'plan-2',
  });
  expect(after).toEqual({
    ...before,
    confirmedLevel: 'II',
    status: 'acknowledged',
    planId: 'plan-2',
    updatedAt: expect.any(Date),
  });
  expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
  const cleared = await tdb.store.uow.repo.updateIncident(before.id, { confirmedLevel: null });
  expect(cleared.confirmedLevel).toBeNull();
});

test('updateIncident of an unknown id throws NotFoundError', async () => {
  await expect(tdb.store.uow.repo.updateIncident('YQ-20991231-001', { title: 'x' })).rejects.toBeInstanceOf(
    NotFoundError,
  );
});

test('getIncident forUpdate blocks a second locker until the first transaction commits', async () => {
  const id = 'YQ-20261101-003';
  await tdb.store.uow.repo.insertIncident(makeIncident(id, { title: '原标题' }));
  const events: string[] = [];
  let releaseFirst!: () => void;
  const firstMayCommit = new Promise<void>((r) => {
    releaseFirst = r;
  });
  const first = tdb.store.uow.transaction(async (repo) => {
    await repo.getIncident(id, { forUpdate: true });
    events.push('first locked');
    await firstMayCommit;
    await repo.updateIncident(id, { title: '第一个事务改的标题' });
    events.push('first commits');
  });
  await waitUntil(() => events.length === 1, 'first lock');
  const second = tdb.store.uow.transaction(async (repo) => {
    const seen = await repo.getIncident(id, { forUpdate: true });
    events.push(`second locked, sees ${seen?.title}`);
  });
  await waitUntil(async () => (await lockWaiters()) === 1, 'second locker to wait');
  expect(events).toEqual(['first locked']);
  releaseFirst();
  await Promise.all([first, second]);
  expect(events).toEqual(['first locked', 'first commits', 'second locked, sees 第一个事务改的标题']);
});

test('a transaction reads back the row it wrote or locked without a round trip; a rolled back savepoint forgets it', async () => {
  const id = 'YQ-20261101-004';
  await tdb.store.uow.repo.insertIncident(makeIncident(id, { title: '原标题' }));
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
  await tdb.store.uow.transaction(async (repo) => {
    const locked = await repo.getIncident(id, { forUpdate: true });
    const updated = await repo.updateIncident(id, { title: '改过的标题' });
    const again = await counting(() => repo.getIncident(id));
    expect(statements).toEqual([]);
    expect(again).toEqual(updated);
    expect(again?.title).toBe('改过的标题');
    expect(locked?.title).toBe('原标题');
    // a savepoint that rolls back undoes its write (and its lock): the next read asks the database
    await tdb.store.uow
      .transaction(async (inner) => {
        await inner.updateIncident(id, { title: '回滚的标题' });
        throw new Error('inner fails');
      })
      .catch(() => undefined);
    const afterRollback = await counting(() => repo.getIncident(id));
    expect(statements).toHaveLength(1);
    expect(afterRollback?.title).toBe('改过的标题');
  });
  expect((await tdb.store.uow.repo.getIncident(id))?.title).toBe('改过的标题');
});

describe('listIncidents', () => {
  const at = (h: number) => new Date(Date.UTC(2026, 11, 1, h));
  const open = (incidentId: string, key: string, dueAt: Date): MilestoneRecord => ({
    incidentId,
    key,
    name: key,
    ownerIds: ['p-direct'],
    startsAt: at(0),
    dueAt,
    state: 'open',
    metAt: null,
    metBy: null,
    breachedAt: null,
    planId: 'plan-1',
  });
  let db2: TestDatabase;
  beforeAll(async () => {
    db2 = await createTestDatabase();
    const repo = db2.store.uow.repo;
    await repo.insertIncident(
      makeIncident('YQ-20261201-001', { chatId: 'c-a', unitId: 'u-a', reportedAt: at(1), status: 'reported' }),
    );
    await repo.insertIncident(
      makeIncident('YQ-20261201-002', { chatId: 'c-b', unitId: 'u-b', reportedAt: at(2), status: 'handling' }),
    );
    await repo.insertIncident(
      makeIncident('YQ-20261201-003', { chatId: 'c-a', unitId: 'u-a', reportedAt: at(3), status: 'closed' }),
    );
    await repo.insertIncident(
      makeIncident('YQ-20261201-004', { chatId: 'c-a', unitId: 'u-a', reportedAt: at(4), status: 'handling' }),
    );
    await repo.replaceOpenMilestones('YQ-20261201-001', [open('YQ-20261201-001', 'reportUp', at(2))]);
    await repo.replaceOpenMilestones('YQ-20261201-002', [open('YQ-20261201-002', 'reportUp', at(10))]);
    await repo.replaceOpenMilestones('YQ-20261201-004', [
      open('YQ-20261201-004', 'reportUp', at(3)),
      open('YQ-20261201-004', 'assess', at(12)),
    ]);
    await repo.markMilestoneMet('YQ-20261201-004', 'reportUp', 'p-direct', at(3));
  });
  afterAll(async () => {
    await db2.drop();
  });
  const ids = async (f: Parameters<typeof db2.store.uow.repo.listIncidents>[0]) =>
    (await db2.store.uow.repo.listIncidents(f)).map((i) => i.id);

  test('no filter lists all, newest reported first', async () => {
    expect(await ids({})).toEqual(['YQ-20261201-004', 'YQ-20261201-003', 'YQ-20261201-002', 'YQ-20261201-001']);
  });
  test('filters by chat, unit and statuses; an empty status list matches nothing', async () => {
    expect(await ids({ chatId: 'c-a' })).toEqual(['YQ-20261201-004', 'YQ-20261201-003', 'YQ-20261201-001']);
    expect(await ids({ unitId: 'u-b' })).toEqual(['YQ-20261201-002']);
    expect(await ids({ chatId: 'c-a', statuses: ['reported', 'handling'] })).toEqual([
      'YQ-20261201-004',
      'YQ-20261201-001',
    ]);
    expect(await ids({ statuses: [] })).toEqual([]);
  });
  test('overdueAt keeps incidents with an open milestone due before it (met ones do not count)', async () => {
    expect(await ids({ overdueAt: at(5) })).toEqual(['YQ-20261201-001']);
    expect(await ids({ overdueAt: at(11) })).toEqual(['YQ-20261201-002', 'YQ-20261201-001']);
    expect(await ids({ overdueAt: at(13) })).toEqual(['YQ-20261201-004', 'YQ-20261201-002', 'YQ-20261201-001']);
  });
  test('reportedFrom is inclusive, reportedTo exclusive, limit caps the newest', async () => {
    expect(await ids({ reportedFrom: at(2), reportedTo: at(4) })).toEqual(['YQ-20261201-003', 'YQ-20261201-002']);
    expect(await ids({ limit: 2 })).toEqual(['YQ-20261201-004', 'YQ-20261201-003']);
  });
});

/** Backends of the first test database currently waiting for a lock. */
async function lockWaiters(): Promise<number> {
  const r = await tdb.store.pool.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return r.rows[0].n as number;
}
