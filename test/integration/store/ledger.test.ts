/**
 * The ledger (台账) is append-only and timestamped (domain.md "Ledger": every step leaves a
 * timestamped entry; "Confidentiality and records": records are kept and exportable).
 */
import { sql } from 'kysely';
import { NotFoundError } from '../../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { makeIncident } from './support.js';

let tdb: TestDatabase;
const ID = 'YQ-20261129-001';
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.store.uow.repo.insertIncident(makeIncident(ID));
});
afterAll(async () => {
  await tdb.drop();
});

test('appendLedger returns the entry with its seq and keeps payload and instant', async () => {
  const at = new Date('2026-11-29T01:05:00.123Z');
  const e = await tdb.store.uow.repo.appendLedger({
    incidentId: ID,
    actor: 'p-monitor',
    kind: 'incident.opened',
    payload: { level: 'III', tags: ['食堂', '视频'] },
    at,
  });
  expect(e).toEqual({
    seq: expect.any(Number),
    incidentId: ID,
    actor: 'p-monitor',
    kind: 'incident.opened',
    payload: { level: 'III', tags: ['食堂', '视频'] },
    at,
  });
  expect(await tdb.store.uow.repo.ledger(ID)).toEqual([e]);
});

test('UPDATE of a ledger entry is rejected by the append-only trigger', async () => {
  await expect(sql`UPDATE ledger_entries SET actor = 'someone-else'`.execute(tdb.store.db)).rejects.toThrow(
    /append-only: UPDATE/,
  );
});

test('DELETE of a ledger entry is rejected by the append-only trigger', async () => {
  await expect(sql`DELETE FROM ledger_entries`.execute(tdb.store.db)).rejects.toThrow(/append-only: DELETE/);
  expect((await tdb.store.uow.repo.ledger(ID)).length).toBeGreaterThan(0);
});

test('TRUNCATE of the ledger is rejected by the append-only trigger', async () => {
  await expect(sql`TRUNCATE ledger_entries`.execute(tdb.store.db)).rejects.toThrow(/append-only: TRUNCATE/);
});

test('ledger is oldest first; ledgerBetween takes from <= at < to across incidents, including entries without incident', async () => {
  const repo = tdb.store.uow.repo;
  const t = (m: number) => new Date(Date.UTC(2026, 10, 30, 9, m));
  const late = await repo.appendLedger({
    incidentId: ID,
    actor: 'bot',
    kind: 'milestone.reminded',
    payload: {},
    at: t(20),
  });
  const early = await repo.appendLedger({
    incidentId: ID,
    actor: 'bot',
    kind: 'milestone.planned',
    payload: {},
    at: t(10),
  });
  const system = await repo.appendLedger({
    incidentId: null,
    actor: 'system',
    kind: 'message.sent',
    payload: { rollup: true },
    at: t(15),
  });
  const all = await repo.ledger(ID);
  expect(all.slice(-2)).toEqual([early, late]);
  expect(await repo.ledgerBetween(t(10), t(20))).toEqual([early, system]);
});

test('appendLedger for an unknown incident throws NotFoundError', async () => {
  await expect(
    tdb.store.uow.repo.appendLedger({
      incidentId: 'YQ-20991231-001',
      actor: 'bot',
      kind: 'incident.note',
      payload: {},
      at: new Date(),
    }),
  ).rejects.toBeInstanceOf(NotFoundError);
});

test('ledgerTail returns the newest visible entries oldest first and counts every visible one', async () => {
  const id = 'YQ-20261129-077';
  const repo = tdb.store.uow.repo;
  await repo.insertIncident(makeIncident(id));
  const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 2, 0, s));
  for (let k = 0; k < 12; k++)
    await repo.appendLedger({
      incidentId: id,
      actor: 'p-monitor',
      kind: k % 3 === 2 ? 'message.queued' : 'incident.note',
      payload: { k },
      // two entries share each instant: seq breaks the tie, as in `ledger`
      at: at(Math.floor(k / 2)),
    });
  const whole = await repo.ledger(id);
  const visible = whole.filter((e) => e.kind !== 'message.queued');
  const tail = await repo.ledgerTail(id, 5, ['message.queued']);
  expect(tail).toEqual({ entries: visible.slice(-5), total: visible.length });
  expect(await repo.ledgerTail(id, 50, [])).toEqual({ entries: whole, total: 12 });
  expect(await repo.ledgerTail('YQ-20261129-078', 5, [])).toEqual({ entries: [], total: 0 });
});
