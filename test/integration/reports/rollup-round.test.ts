/**
 * Issue 15 target 4: the scheduled posts of one cut render from one organisation-wide load of the
 * window's data (`ReportService.daily(…, { shared: true })`, what `ReportPoster.post` asks for),
 * and that never changes what a chat reads: each chat still sees exactly its own units (the
 * texts equal a per-call load's), a change made after a round is seen by `/日报` on demand at once
 * and by the next round (a later cut, or the same cut once `rollup.reuseSeconds` have passed), and
 * a failed load is not kept. Real PostgreSQL, the seeded month of the other report tests.
 */
import { bt, seedMonth } from '../../fixtures/reports-month.js';
import { demoConfig, TestClock } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import type { ReportStore } from '../../../src/domain/report-ports.js';
import { reportServices } from './support.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedMonth(db.store);
});
afterAll(async () => {
  await db.drop();
});

/** `store` with its `reportData` calls counted (and made to fail while `failing` is set). */
function counting(store: ReportStore): { store: ReportStore; loads: () => number; failNext: () => void } {
  let loads = 0;
  let failing = false;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'reportData')
        return async (from: Date, to: Date) => {
          loads += 1;
          if (failing) {
            failing = false;
            throw new Error('connection lost (injected)');
          }
          return target.reportData(from, to);
        };
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: wrapped, loads: () => loads, failNext: () => (failing = true) };
}

const chenjing = { id: 'person:chenjing', personId: 'chenjing', name: '陈静' };
const CHATS = ['relief', 'eldercare', 'leaders'];

test('one round: every chat’s post renders from one load, each sees exactly its own units', async () => {
  const clock = TestClock.frozen(bt('11-30 17:31'));
  const c = counting(db.store.reports);
  const s = reportServices(db.store, clock, demoConfig(), { store: c.store, monotonicMs: () => 0 });
  // two at a time, like the report-post job
  const [relief, eldercare] = await Promise.all([
    s.reports.daily('relief', '2026-11-30', { shared: true }),
    s.reports.daily('eldercare', '2026-11-30', { shared: true }),
  ]);
  const leaders = await s.reports.daily('leaders', '2026-11-30', { shared: true });
  expect(c.loads()).toBe(1);

  // the same texts as a load of its own for each chat (the figures tests check those by hand)
  const alone = reportServices(db.store, clock);
  for (const [chat, post] of [
    ['relief', relief],
    ['eldercare', eldercare],
    ['leaders', leaders],
  ] as const)
    expect(post).toEqual(await alone.reports.daily(chat, '2026-11-30'));
  // 社会救助股 reads its D (YQ-20261130-001), not 养老服务中心's E (…-002), and the other way round
  expect(relief.text).toContain('YQ-20261130-001');
  expect(relief.text).not.toContain('YQ-20261130-002');
  expect(eldercare.text).toContain('YQ-20261130-002');
  expect(eldercare.text).not.toContain('YQ-20261130-001');
  expect(leaders.text).toMatch(/^新增 3｜/m);
});

test('a change after a round: /日报 on demand sees it at once, the next round too (a later cut, or the same cut after rollup.reuseSeconds)', async () => {
  const clock = TestClock.frozen(bt('11-30 17:00'));
  let mono = 0;
  const c = counting(db.store.reports);
  const s = reportServices(db.store, clock, demoConfig(), { store: c.store, monotonicMs: () => mono });
  const first = await s.reports.daily('relief', '2026-11-30', { shared: true });
  expect(first.text.split('\n')[1]).toBe('新增 2｜在办 1｜逾期 1');

  // a new incident of 社会救助股 within the window (before the 17:30 cut); the seeded month wrote
  // its ids by hand, so the day's counter starts after them
  await db.store.pool.query("INSERT INTO incident_counters (business_date, last_number) VALUES ('20261130', 2)");
  const { incident } = await s.incidents.open(chenjing, { description: '救助站门口有人聚集拍视频', chatId: 'relief' });
  expect(incident.unitId).toBe('relief');
  const loadsBefore = c.loads();

  // on demand: a load of its own, the change is there
  const onDemand = await s.reports.daily('relief', '2026-11-30');
  expect(onDemand.text.split('\n')[1]).toBe('新增 3｜在办 2｜逾期 1');
  expect(onDemand.text).toContain(incident.id);
  expect(c.loads()).toBe(loadsBefore + 1);

  // the same round, within rollup.reuseSeconds (default 30): its posts share the first load
  mono = 29_999;
  const sameRound = await s.reports.daily('eldercare', '2026-11-30', { shared: true });
  expect(c.loads()).toBe(loadsBefore + 1);
  expect(sameRound.text).not.toContain(incident.id);

  // the same cut once the shared load is older than rollup.reuseSeconds: loaded afresh
  mono = 30_000;
  const later = await s.reports.daily('relief', '2026-11-30', { shared: true });
  expect(c.loads()).toBe(loadsBefore + 2);
  expect(later.text).toBe(onDemand.text);

  // a later cut (the next day's window) never reuses an earlier one's load, whatever its age
  mono = 30_001;
  clock.set(bt('12-01 17:31'));
  const nextDay = await s.reports.daily('relief', '2026-12-01', { shared: true });
  expect(c.loads()).toBe(loadsBefore + 3);
  expect(nextDay).toEqual(await reportServices(db.store, clock).reports.daily('relief', '2026-12-01'));
  expect(nextDay.text).toMatch(/^新增 0｜在办 2｜/m); // the new incident carried over as open
});

test('a failed load is not kept (the next post loads again); rollup.reuseSeconds 0 loads for every post', async () => {
  const clock = TestClock.frozen(bt('11-30 17:31'));
  const c = counting(db.store.reports);
  const s = reportServices(db.store, clock, demoConfig(), { store: c.store, monotonicMs: () => 0 });
  c.failNext();
  await expect(s.reports.daily('relief', '2026-11-30', { shared: true })).rejects.toThrow('injected');
  const ok = await s.reports.daily('relief', '2026-11-30', { shared: true });
  expect(ok.text).toMatch(/^【舆情日报】11月30日 社会救助股/);
  expect(c.loads()).toBe(2);

  const cfg = demoConfig();
  cfg.rollup.reuseSeconds = 0;
  const c0 = counting(db.store.reports);
  const s0 = reportServices(db.store, clock, cfg, { store: c0.store, monotonicMs: () => 0 });
  for (const chat of CHATS) await s0.reports.daily(chat, '2026-11-30', { shared: true });
  expect(c0.loads()).toBe(CHATS.length);
});
