/**
 * Acknowledgements (签收) and assignments (domain.md "What this means for the bot": each person
 * acknowledges on their own clock; record who acknowledged and when; `/指派`).
 */
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

test('acknowledge records the first acknowledgement and returns false for a repeat, keeping the first time', async () => {
  const repo = tdb.store.uow.repo;
  const first = { incidentId: ID, personId: 'p-first', role: 'firstResponsible', at: new Date('2026-11-29T01:10:00Z') };
  expect(await repo.acknowledge(first)).toBe(true);
  expect(await repo.acknowledge({ ...first, role: 'directResponsible', at: new Date('2026-11-29T02:00:00Z') })).toBe(
    false,
  );
  expect(
    await repo.acknowledge({
      incidentId: ID,
      personId: 'p-direct',
      role: 'directResponsible',
      at: new Date('2026-11-29T01:20:00Z'),
    }),
  ).toBe(true);
  expect(await repo.acknowledgements(ID)).toEqual([
    first,
    { incidentId: ID, personId: 'p-direct', role: 'directResponsible', at: new Date('2026-11-29T01:20:00Z') },
  ]);
});

test('concurrent acknowledgements by one person: exactly one is recorded', async () => {
  const a = { incidentId: ID, personId: 'p-office', role: 'office', at: new Date('2026-11-29T01:30:00Z') };
  const results = await Promise.all(
    Array.from({ length: 8 }, () => tdb.store.uow.transaction((repo) => repo.acknowledge(a))),
  );
  expect(results.filter(Boolean)).toHaveLength(1);
});

test('assign is unique per (incident, person, role); another role for the same person is a new assignment', async () => {
  const repo = tdb.store.uow.repo;
  const a = {
    incidentId: ID,
    personId: 'p-dept',
    role: 'assignee',
    assignedBy: 'p-direct',
    at: new Date('2026-11-29T03:00:00Z'),
  };
  expect(await repo.assign(a)).toBe(true);
  expect(await repo.assign({ ...a, assignedBy: 'p-first' })).toBe(false);
  expect(await repo.assign({ ...a, role: 'spokesperson' })).toBe(true);
  expect(await repo.assignments(ID)).toEqual([a, { ...a, role: 'spokesperson' }]);
});

test('acknowledging an unknown incident throws NotFoundError', async () => {
  await expect(
    tdb.store.uow.repo.acknowledge({ incidentId: 'YQ-20991231-001', personId: 'p', role: 'r', at: new Date() }),
  ).rejects.toBeInstanceOf(NotFoundError);
});
