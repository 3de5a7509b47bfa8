/**
 * Incident ids `YQ-YYYYMMDD-NNN` (domain/types.ts Incident.id; domain.md "What this means for the
 * bot": give it a short human id) and transaction boundaries of the UnitOfWork port.
 */
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { makeIncident, waitUntil } from './support.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

test('20 parallel transactions get distinct, sequential ids for one business date', async () => {
  const ids = await Promise.all(
    Array.from({ length: 20 }, () =>
      tdb.store.uow.transaction(async (repo) => {
        const id = await repo.nextIncidentId('20261129');
        await repo.insertIncident(makeIncident(id));
        return id;
      }),
    ),
  );
  const expected = Array.from({ length: 20 }, (_, i) => `YQ-20261129-${String(i + 1).padStart(3, '0')}`);
  expect([...ids].sort()).toEqual(expected);
  const stored = await tdb.store.uow.repo.listIncidents({ reportedFrom: new Date(0) });
  expect(stored.map((i) => i.id).sort()).toEqual(expected);
});

test('numbering restarts at 001 for each business date', async () => {
  const a = await tdb.store.uow.transaction((repo) => repo.nextIncidentId('20261130'));
  const b = await tdb.store.uow.transaction((repo) => repo.nextIncidentId('20261130'));
  const c = await tdb.store.uow.transaction((repo) => repo.nextIncidentId('20261201'));
  expect([a, b, c]).toEqual(['YQ-20261130-001', 'YQ-20261130-002', 'YQ-20261201-001']);
});

test('numbers past 999 keep all digits', async () => {
  await tdb.store.db.insertInto('incident_counters').values({ business_date: '20261202', last_number: 999 }).execute();
  expect(await tdb.store.uow.repo.nextIncidentId('20261202')).toBe('YQ-20261202-1000');
});

test('a malformed business date is rejected', async () => {
  await expect(tdb.store.uow.repo.nextIncidentId('2026-11-29')).rejects.toThrow(/yyyymmdd/);
});

test('a rolled back transaction leaves no incident and no ledger entry, and its number is not skipped', async () => {
  const boom = new Error('handler failed');
  let taken = '';
  await expect(
    tdb.store.uow.transaction(async (repo) => {
      taken = await repo.nextIncidentId('20261203');
      await repo.insertIncident(makeIncident(taken));
      await repo.appendLedger({
        incidentId: taken,
        actor: 'p-monitor',
        kind: 'incident.opened',
        payload: {},
        at: new Date(),
      });
      throw boom;
    }),
  ).rejects.toBe(boom);
  expect(taken).toBe('YQ-20261203-001');
  expect(await tdb.store.uow.repo.getIncident(taken)).toBeUndefined();
  expect(await tdb.store.uow.repo.ledger(taken)).toEqual([]);
  const next = await tdb.store.uow.transaction((repo) => repo.nextIncidentId('20261203'));
  expect(next).toBe('YQ-20261203-001');
});

test('a taker queued behind a transaction that rolls back gets that number, never a duplicate', async () => {
  const events: string[] = [];
  let releaseFirst!: () => void;
  const firstMayFinish = new Promise<void>((r) => {
    releaseFirst = r;
  });
  const first = tdb.store.uow
    .transaction(async (repo) => {
      events.push(`first took ${await repo.nextIncidentId('20261204')}`);
      await firstMayFinish;
      throw new Error('rolled back on purpose');
    })
    .catch(() => events.push('first rolled back'));
  await waitUntil(() => events.length === 1, 'first taker');
  const second = tdb.store.uow.transaction(async (repo) => {
    const id = await repo.nextIncidentId('20261204');
    events.push(`second took ${id}`);
    await repo.insertIncident(makeIncident(id));
  });
  await waitUntil(async () => (await lockWaiters()) > 0, 'second taker to wait on the counter row');
  releaseFirst();
  await Promise.all([first, second]);
  // The second taker was provably waiting on the counter row while the first held number 001.
  expect(events[0]).toBe('first took YQ-20261204-001');
  expect(events.slice(1).sort()).toEqual(['first rolled back', 'second took YQ-20261204-001']);
  expect((await tdb.store.uow.repo.getIncident('YQ-20261204-001'))?.id).toBe('YQ-20261204-001');
});

/** Backends of this database currently waiting for a lock. */
async function lockWaiters(): Promise<number> {
  const r = await tdb.store.pool.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return r.rows[0].n as number;
}
