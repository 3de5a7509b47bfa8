/**
 * The approval store (issue 8): versions are unique per (incident, kind, version); the first
 * decision is one conditional UPDATE, so two transactions deciding at once give exactly one
 * decision (issue 8 item 4 "the first decision on a version wins").
 */
import { ConflictError } from '../../../src/errors.js';
import type { NewDraftVersion } from '../../../src/domain/approvals/types.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { makeIncident, waitUntil } from './support.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const draft = (incidentId: string, version: number): NewDraftVersion => ({
  incidentId,
  kind: 'statement',
  version,
  text: `第${version}稿`,
  textSha256: 'a'.repeat(64),
  authorId: 'p-author',
  submittedAt: new Date('2026-11-29T02:00:00Z'),
  level: 'III',
  approverIds: ['p-a', 'p-b'],
  externalRequired: false,
  legalRequired: false,
});

test('two concurrent transactions deciding the same version: one decision, the other gets nothing', async () => {
  const repo = tdb.store.uow.repo;
  await repo.insertIncident(makeIncident('YQ-20261129-001'));
  const v = await repo.approvals.insertVersion(draft('YQ-20261129-001', 1));
  // both transactions are open before either decides; the second UPDATE waits for the first's row lock
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const first = tdb.store.uow.transaction(async (trx) => {
    const d = await trx.approvals.decide(v.id, { state: 'approved', by: 'p-a', at: new Date(), reason: null });
    await gate;
    return d;
  });
  const second = tdb.store.uow.transaction((trx) =>
    trx.approvals.decide(v.id, { state: 'rejected', by: 'p-b', at: new Date(), reason: '不同意' }),
  );
  // the first holds the row lock: release it only once the second's UPDATE is waiting for that lock
  await waitUntil(async () => {
    const r = await tdb.store.pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    return r.rows[0].n > 0;
  }, 'the second decision to wait for the row lock');
  release();
  const [a, b] = await Promise.all([first, second]);
  expect(a?.state).toBe('approved');
  expect(b).toBeUndefined();
  const [stored] = await repo.approvals.versions('YQ-20261129-001');
  expect([stored.state, stored.decidedBy, stored.reason]).toEqual(['approved', 'p-a', null]);
});

test('a duplicate version number is a ConflictError; supersede marks only older pending versions', async () => {
  const repo = tdb.store.uow.repo;
  await repo.insertIncident(makeIncident('YQ-20261129-002'));
  await repo.approvals.insertVersion(draft('YQ-20261129-002', 1));
  await expect(repo.approvals.insertVersion(draft('YQ-20261129-002', 1))).rejects.toBeInstanceOf(ConflictError);
  await repo.approvals.insertVersion(draft('YQ-20261129-002', 2));
  const gone = await repo.approvals.supersede('YQ-20261129-002', 'statement', 2);
  expect(gone.map((v) => v.version)).toEqual([1]);
  expect((await repo.approvals.versions('YQ-20261129-002')).map((v) => [v.version, v.state])).toEqual([
    [1, 'superseded'],
    [2, 'pending'],
  ]);
  expect((await repo.approvals.pendingVersions()).map((v) => [v.incidentId, v.version])).toEqual([
    ['YQ-20261129-002', 2],
  ]);
});
