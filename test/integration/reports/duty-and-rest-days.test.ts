/**
 * Issue 9 items 1 and 4: `rollup.onRestDays` (default post; skip on statutory rest days) and the
 * chase of a missing duty report when `duty.required` (once per chat and shift, @-mentioning the
 * unit's office, recorded as `duty.missed`). Real PostgreSQL; a recording notifier.
 */
import { bt, seedMonth } from '../../fixtures/reports-month.js';
import { demoConfig, TestClock } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { reportServices } from './support.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedMonth(db.store);
});
afterAll(async () => {
  await db.drop();
});

test('rest days: posted by default (24-hour duty never stops); skipped with rollup.onRestDays: skip', () => {
  const sunday = bt('11-29 17:30'); // 2026-11-29 is a Sunday
  const clock = TestClock.frozen(sunday);
  expect(reportServices(db.store, clock).poster.due('rollup', sunday)).toHaveLength(3);
  const cfg = demoConfig();
  cfg.rollup.onRestDays = 'skip';
  const s = reportServices(db.store, clock, cfg);
  expect(s.poster.due('rollup', sunday)).toEqual([]);
  expect(s.poster.due('rollup', bt('11-30 17:30'))).toHaveLength(3); // Monday, a working day
  expect(s.poster.due('rollup', bt('11-30 17:29'))).toEqual([]); // before today's cut: nothing (yesterday's is not caught up)
});

test('a missing duty report is chased once at shift end + duty.graceMinutes, to the unit’s office', async () => {
  const cfg = demoConfig();
  cfg.duty.required = true;
  cfg.duty.escalateAfterMinutes = 0; // the reminder alone (the ladder: duty-ladder.test.ts)
  const clock = TestClock.frozen(bt('12-01 08:30'));
  const s = reportServices(db.store, clock, cfg);
  // the 11-30 shift (08:00 → 12-01 08:00): relief and eldercare filed, the bureau did not
  expect(await s.poster.chaseDuty(clock.now())).toEqual(['leaders']);
  expect(s.notifier.sent).toHaveLength(1);
  expect(s.notifier.sent[0]).toMatchObject({ chatId: 'leaders', mentions: ['zhangmin', 'chenjing'] });
  expect(s.notifier.sent[0].text).toBe(
    [
      '【值班报告未报】',
      '11-30 08:00 至 12-01 08:00 班次',
      '青山县民政局未提交值班报告。',
      '@{zhangmin} @{chenjing} 请补报：',
      '/值班 <检查情况>（无发现可发 /值班 无）',
    ].join('\n'),
  );
  expect(await s.poster.chaseDuty(bt('12-01 09:00'))).toEqual([]);
  const missed = await db.store.pool.query("SELECT payload FROM ledger_entries WHERE kind = 'duty.missed'");
  expect(missed.rows.map((r) => r.payload)).toEqual([
    { unitId: 'bureau', shiftDate: '2026-11-30', owners: ['zhangmin', 'chenjing'] },
  ]);
  // before the grace has passed the ended shift is the previous one (11-29: relief filed; others chased once)
  const early = reportServices(db.store, TestClock.frozen(bt('12-01 08:10')), cfg);
  expect(await early.poster.chaseDuty(bt('12-01 08:10'))).toEqual(['leaders', 'eldercare']);
});

test('without duty.required nothing is chased', async () => {
  const clock = TestClock.frozen(bt('12-02 09:00'));
  expect(await reportServices(db.store, clock).poster.chaseDuty(clock.now())).toEqual([]);
});
