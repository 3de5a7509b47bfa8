/**
 * Issue 9 item 4: a missed duty report is chased like a milestone when `duty.required` — a
 * reminder at the shift's end + `duty.graceMinutes` to the unit's chat (@ its office), then, still
 * missing `duty.escalateAfterMinutes` later, an escalation to the parent unit's chat (here the
 * leadership group's) @-mentioning the unit's first-responsible leader; each step once. A report
 * filed within the grace after the shift's end counts (late, 逾期补报) for the ended shift
 * (domain.md "Monitoring and duty": a shift ends with its report). Real PostgreSQL; a fresh
 * database (no seeded reports), the demo organisation.
 */
import type { Actor } from '../../../src/domain/ports.js';
import { bt } from '../../fixtures/reports-month.js';
import { demoConfig, TestClock } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { reportServices } from './support.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const person = (personId: string, name: string): Actor => ({ id: `person:${personId}`, personId, name });

test('the ladder: reminder at end + grace, escalation after escalateAfterMinutes, each once; a late report counts for the ended shift', async () => {
  const cfg = demoConfig();
  cfg.duty.required = true; // graceMinutes 30, escalateAfterMinutes 60 (defaults)
  const clock = TestClock.frozen(bt('12-01 10:00'));
  const s = reportServices(db.store, clock, cfg);

  // the 12-01 shift (08:00 → 12-02 08:00): relief files in time; eldercare 10 min after the end
  const onTime = await s.reports.fileDuty(person('liuyang', '刘洋'), 'relief', '无', bt('12-01 10:00'));
  expect([onTime.shiftDate, onTime.late]).toEqual(['2026-12-01', false]);
  const late = await s.reports.fileDuty(person('zhaolei', '赵磊'), 'eldercare', '无', bt('12-02 08:10'));
  expect([late.shiftDate, late.late]).toEqual(['2026-12-01', true]);
  // a second report in the grace is for the new shift: the ended one has its report
  const next = await s.reports.fileDuty(person('zhaolei', '赵磊'), 'eldercare', '无', bt('12-02 08:15'));
  expect([next.shiftDate, next.late]).toEqual(['2026-12-02', false]);

  // before end + grace: nothing for the 12-01 shift (earlier shifts were never reminded: no escalation)
  expect(await s.poster.chaseDuty(bt('12-02 08:29'))).toEqual(['leaders', 'relief', 'eldercare']);
  s.notifier.sent.splice(0);
  // ↑ the 11-30 shift (no reports at all in this database) was reminded now, as a catch-up
  // end + grace: the reminder, to the bureau's own chat (the only unit without a 12-01 report)
  expect(await s.poster.chaseDuty(bt('12-02 08:30'))).toEqual(['leaders']);
  expect(s.notifier.sent.map((n) => n.text.split('\n')[0])).toEqual(['【值班报告未报】']);
  expect(s.notifier.sent[0].mentions).toEqual(['zhangmin', 'chenjing']);
  expect(await s.poster.chaseDuty(bt('12-02 09:00'))).toEqual([]);

  // still missing 60 min after the reminder: the escalation, @ the unit's leader, once
  s.notifier.sent.splice(0);
  const escalated = await s.poster.chaseDuty(bt('12-02 09:30'));
  const up = s.notifier.sent.filter((n) => n.text.startsWith('【值班报告未报·升级】'));
  expect(up.map((n) => n.text)).toContain(
    [
      '【值班报告未报·升级】',
      '12-01 08:00 至 12-02 08:00 班次',
      '青山县民政局经提醒仍未提交值班报告。',
      '@{wangjg} 请督促补报：',
      '/值班 <检查情况>（在本单位工作群发送）',
    ].join('\n'),
  );
  expect(escalated).toContain('leaders');
  expect(await s.poster.chaseDuty(bt('12-02 10:00'))).toEqual([]);

  const ledger = await db.store.pool.query<{ kind: string; payload: { unitId: string; shiftDate: string } }>(
    "SELECT kind, payload FROM ledger_entries WHERE kind IN ('duty.missed', 'duty.escalated') ORDER BY seq",
  );
  const forShift = ledger.rows.filter((r) => r.payload.shiftDate === '2026-12-01');
  expect(forShift.map((r) => [r.kind, r.payload.unitId])).toEqual([
    ['duty.missed', 'bureau'],
    ['duty.escalated', 'bureau'],
  ]);
});

test('escalateAfterMinutes: 0 keeps the single reminder', async () => {
  const cfg = demoConfig();
  cfg.duty.required = true;
  cfg.duty.escalateAfterMinutes = 0;
  const s = reportServices(db.store, TestClock.frozen(bt('12-04 12:00')), cfg);
  await s.poster.chaseDuty(bt('12-04 12:00'));
  expect(s.notifier.sent.some((n) => n.text.startsWith('【值班报告未报·升级】'))).toBe(false);
});
