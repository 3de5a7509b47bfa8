/**
 * Issue 15 target 4: a report window holding more incidents than PostgreSQL's 65,535 bind
 * parameters per statement (every open incident counts, whatever its age) still loads and renders.
 * `PgReportStore.reportData` and the 待审批 read (`PgApprovalRepo.versionsOf`) pass the ids as one
 * `= ANY($1::text[])` parameter; an `IN ($1, …)` list of 70,000 would be refused by the server.
 * 70,000 open incidents of 社会救助股 seeded by SQL, each with its `incident.opened` entry and one
 * milestone; two with a statement awaiting approval. Real PostgreSQL.
 */
import { bt } from '../../fixtures/reports-month.js';
import { demoConfig, TestClock } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { ApprovalService } from '../../../src/domain/approvals/ApprovalService.js';
import { Directory } from '../../../src/domain/Directory.js';
import { rollupWindow } from '../../../src/reports/period.js';
import { reportServices } from '../reports/support.js';

const N = 70_000;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // reported one per second from 11-29 18:00 (within the 11-30 rollup's window), all still open
  await db.store.pool.query(
    `INSERT INTO incidents (id, title, description, source_type, found_at, reported_at, reporter_id, unit_id, chat_id,
                            proposed_level, status, plan_id)
     SELECT 'YQ-20261129-' || lpad(g::text, 6, '0'), '测试舆情' || g, '测试', 'self', r.at, r.at, 'chenjing', 'relief',
            'relief', 'III', 'reported', 'p'
       FROM generate_series(1, $1::int) AS g, LATERAL (SELECT $2::timestamptz + g * interval '1 second' AS at) AS r`,
    [N, bt('11-29 18:00')],
  );
  await db.store.pool.query(
    `INSERT INTO ledger_entries (incident_id, actor, kind, payload, at)
     SELECT id, 'chenjing', 'incident.opened', '{}'::jsonb, reported_at FROM incidents`,
  );
  await db.store.pool.query(
    `INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, plan_id)
     SELECT id, 'report_up', '报告领导小组', '{chenjing}', reported_at, reported_at + interval '30 days', 'open', 'p'
       FROM incidents`,
  );
  await db.store.pool.query(
    `INSERT INTO draft_versions (incident_id, kind, version, text, text_sha256, author_id, submitted_at, level,
                                 approver_ids, external_required, legal_required)
     SELECT id, 'statement', 1, '情况说明', repeat('0', 64), 'zhangmin', reported_at, 'III', '{liuyang}', false, false
       FROM incidents WHERE id IN ('YQ-20261129-000007', 'YQ-20261129-069999')`,
  );
  await db.store.pool.query('ANALYZE');
}, 120_000);
afterAll(async () => {
  await db.drop();
});

test('reportData of a window over 70,000 incidents loads them with their rows', async () => {
  const w = rollupWindow('2026-11-30', '17:30', 'Asia/Shanghai');
  const data = await db.store.reports.reportData(w.from, w.to);
  expect(data.incidents).toHaveLength(N);
  expect(data.milestones).toHaveLength(N);
  expect(data.lifecycle).toHaveLength(N);
  expect(new Set(data.lifecycle.map((e) => e.incidentId)).size).toBe(N);
});

test('the rollup over them renders, 待审批 read in one statement for all 70,000 ids', async () => {
  const clock = TestClock.frozen(bt('11-30 17:31'));
  const config = demoConfig();
  const approvals = new ApprovalService({ uow: db.store.uow, directory: new Directory(config), clock });
  const s = reportServices(db.store, clock, config, {
    awaitingApproval: (ids, asOf) => approvals.awaitingAt(ids, asOf),
  });
  const post = await s.reports.daily('relief', '2026-11-30', { shared: true });
  const lines = post.text.split('\n');
  expect(lines[1]).toBe(`新增 ${N}｜在办 ${N}｜逾期 0`);
  expect(lines[2]).toMatch(/^待审批 2｜/);
  // not an incident of 养老服务中心: its rollup of the same round counts none of them
  const other = await s.reports.daily('eldercare', '2026-11-30', { shared: true });
  expect(other.text.split('\n')[1]).toBe('今日无新增舆情。');
});
