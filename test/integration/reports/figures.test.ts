/**
 * Issue 9 "Done means": with a seeded month (test/fixtures/reports-month.ts, figures computed by
 * hand from its table) the daily rollup, weekly and monthly reports and the assessment match.
 * Real PostgreSQL; the texts are what chat users read.
 */
import { bt, seedMonth } from '../../fixtures/reports-month.js';
import { TestClock } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { periodicFigures } from '../../../src/reports/periodic.js';
import { monthPeriod, weekPeriod } from '../../../src/reports/period.js';
import { reportServices } from './support.js';

let db: TestDatabase;
const clock = TestClock.frozen(bt('12-01 10:00'));
let s: ReturnType<typeof reportServices>;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedMonth(db.store);
  s = reportServices(db.store, clock);
});
afterAll(async () => {
  await db.drop();
});

const chenjing = { id: 'chenjing', personId: 'chenjing', name: '陈静' };

describe('daily rollup of 11-30 at 17:30 (issue 9 item 1; window = 11-29 17:30 … 11-30 17:30)', () => {
  test('a unit chat: its day, overdue steps with the owners @-mentioned, the duty report', async () => {
    const post = await s.reports.daily('relief', '2026-11-30');
    expect(post.text).toBe(
      [
        '【舆情日报】11月30日 社会救助股',
        '新增 2｜在办 1｜逾期 1',
        '待审批 0｜已回应 1｜趋于平息 0',
        '今日办结 1｜今日违约 2',
        '值班报告：已报（陈静 16:00，未发现新的重大负面舆情）',
        '逾期事项：',
        '· YQ-20261130-001 签收（刘洋）',
        '  超时6小时15分 @{liuyang}',
        '· YQ-20261130-001 签收（吴芳）',
        '  超时6小时15分 @{wufang}',
        '新增事件：',
        '· YQ-20261129-001 [影响较小] YQ-20261129-001 的测试舆情',
        '· YQ-20261130-001 [影响较小] YQ-20261130-001 的测试舆情',
        '今日办结：YQ-20261129-001',
      ].join('\n'),
    );
    expect(post.mentions).toEqual(['liuyang', 'wufang']);
  });

  test('the leadership group: one combined rollup with a line per unit', async () => {
    const post = await s.reports.daily('leaders', '2026-11-30');
    expect(post.text).toBe(
      [
        '【舆情日报·汇总】11月30日',
        '新增 3｜在办 3｜逾期 2',
        '待审批 0｜已回应 1｜趋于平息 0',
        '今日办结 1｜今日违约 2',
        '各单位：',
        '· 青山县民政局：新增0 在办0 逾期0 值班未报',
        '· 社会救助股：新增2 在办1 逾期1 值班已报',
        '· 县养老服务中心：新增1 在办2 逾期1 值班已报',
        '· 婚姻登记处：新增0 在办0 逾期0',
        '逾期事项：',
        '· YQ-20261110-001 预警报告',
        '  超时20天 @{chenjing}',
        '· YQ-20261130-001 签收（刘洋）',
        '  超时6小时15分 @{liuyang}',
        '· YQ-20261130-001 签收（吴芳）',
        '  超时6小时15分 @{wufang}',
        '新增事件：',
        '· YQ-20261129-001 [影响较小] YQ-20261129-001 的测试舆情',
        '· YQ-20261130-001 [影响较小] YQ-20261130-001 的测试舆情',
        '· YQ-20261130-002 [一般] YQ-20261130-002 的测试舆情',
      ].join('\n'),
    );
    expect(post.mentions).toEqual(['chenjing', 'liuyang', 'wufang']);
  });

  test('a day with nothing new is a short nil report with the open counts (今日无新增舆情)', async () => {
    const post = await s.reports.daily('relief', '2026-11-28');
    expect(post.text).toBe(
      [
        '【舆情日报】11月28日 社会救助股',
        '今日无新增舆情。',
        '新增 0｜在办 0｜逾期 0',
        '待审批 0｜已回应 0｜趋于平息 0',
        '今日办结 0｜今日违约 0',
        '值班报告：已报（陈静 16:00，未发现新的重大负面舆情）',
      ].join('\n'),
    );
    expect(post.mentions).toEqual([]);
    // 11-20: relief filed no duty report
    expect((await s.reports.daily('relief', '2026-11-20')).text).toContain('值班报告：未报');
  });

  test('a figure is as of the cut: the eldercare duty report filed at 17:00 counts, one after it would not', async () => {
    const text = (await s.reports.daily('eldercare', '2026-11-30', { asOf: bt('11-30 16:30') })).text;
    expect(text).toContain('值班报告：未报');
    expect(text).toContain('新增 1｜在办 2｜逾期 1');
  });
});

describe('weekly report, 2026-W48 (11-23 … 11-29; issue 9 item 2)', () => {
  test('counts, handling rate, on-time rates, breaches, slowest acks, carried over', async () => {
    const post = await s.reports.periodic('weekly', 'leaders', weekPeriod('2026-11-25', 'Asia/Shanghai'), clock.now());
    expect(post.text).toBe(
      [
        '【舆情周报】2026年第48周（11-23 至 11-29）',
        '新增 2｜办结 1',
        '处置率 1/2（50%）',
        '按级别：一般 1、影响较小 1',
        '按类别：未分类 1、询问质疑诉求 1',
        '按单位：社会救助股 2',
        '按时完成率：',
        '· 签收 3/4（75%）',
        '· 报告领导小组 2/2（100%）',
        '· 预警报告 1/1（100%）',
        '违约：轻微 1、重大 0',
        '· 社会救助股：轻微 1、重大 0',
        '签收最慢：',
        '· YQ-20261125-001 刘洋 30分',
        '· YQ-20261129-001 吴芳 10分',
        '· YQ-20261125-001 吴芳 8分',
        '· YQ-20261129-001 刘洋 5分',
        '结转未办结 2：YQ-20261110-001、YQ-20261129-001',
      ].join('\n'),
    );
  });

  test('a unit chat sees only its own units (eldercare: nothing reported that week, B carried over)', async () => {
    const text = (
      await s.reports.periodic('weekly', 'eldercare', weekPeriod('2026-11-25', 'Asia/Shanghai'), clock.now())
    ).text;
    expect(text).toContain('新增 0｜办结 0\n处置率 0/0（—）');
    expect(text).toContain('结转未办结 1：YQ-20261110-001');
    expect(text).not.toContain('YQ-20261125-001');
  });
});

describe('monthly report, 2026-11 (issue 9 item 2)', () => {
  test('matches the hand-computed figures', async () => {
    const post = await s.reports.periodic('monthly', 'leaders', monthPeriod('2026-11', 'Asia/Shanghai'), clock.now());
    expect(post.text).toBe(
      [
        '【舆情月报】2026年11月',
        '新增 6｜办结 3',
        '处置率 3/6（50%）',
        '按级别：一般 3、重大或较大 1、影响较小 2',
        '按类别：询问质疑诉求 3、恶意传播炒作 1、未分类 2',
        '按单位：社会救助股 4、县养老服务中心 2',
        '按时完成率：',
        '· 签收 7/12（58.3%）',
        '· 报告领导小组 5/6（83.3%）',
        '· 预警报告 2/3（66.7%）',
        '· 特报上级 1/1（100%）',
        '· 处置报告 1/1（100%）',
        '违约：轻微 6、重大 1',
        '· 社会救助股：轻微 4、重大 0',
        '· 县养老服务中心：轻微 2、重大 1',
        '签收最慢：',
        '· YQ-20261110-001 赵磊 40分',
        '· YQ-20261125-001 刘洋 30分',
        '· YQ-20261102-001 吴芳 20分',
        '· YQ-20261110-001 孙丽 10分',
        '· YQ-20261129-001 吴芳 10分',
        '结转未办结 3：YQ-20261110-001、YQ-20261130-001、YQ-20261130-002',
      ].join('\n'),
    );
  });

  test('the figures behind it: late and missed are told apart (000 L2 迟报/漏报)', async () => {
    const data = await db.store.reports.reportData(
      monthPeriod('2026-11', 'Asia/Shanghai').from,
      monthPeriod('2026-11', 'Asia/Shanghai').to,
    );
    const f = periodicFigures(s.directory, data, () => true, monthPeriod('2026-11', 'Asia/Shanghai'), clock.now());
    expect(f.onTime.find((r) => r.key === 'ack')).toMatchObject({ onTime: 7, late: 3, missed: 2, total: 12 });
    expect(f.onTime.find((r) => r.key === 'early_warning')).toMatchObject({ onTime: 2, late: 0, missed: 1 });
  });
});

describe('assessment 考核 for November (issue 9 item 5)', () => {
  test('a unit: handled, rate, ack median/p90, on-time per milestone, breaches, late/missed reports, duty', async () => {
    const text = await s.reports.assessment(chenjing, { kind: 'unit', unitId: 'relief' }, '2026-11', clock.now());
    expect(text).toBe(
      [
        '【考核】社会救助股 2026年11月',
        '处置 4 件｜办结 3 件',
        '处置率 3/4（75%）',
        '签收用时：中位 9分，P90 30分（6 次）',
        '按时完成率：',
        '· 签收 4/8（50%）',
        '· 报告领导小组 4/4（100%）',
        '· 预警报告 2/2（100%）',
        '· 处置报告 1/1（100%）',
        '违约：轻微 4、重大 0',
        '报告类时限 7 项：迟报 0、漏报 0',
        '值班报告：已报 28/30（93.3%），漏报 2 班次',
      ].join('\n'),
    );
  });

  test('the bureau with its sub-units includes the eldercare centre and the late/missed reports of B', async () => {
    const text = await s.reports.assessment(chenjing, { kind: 'unit', unitId: 'bureau' }, '2026-11', clock.now());
    expect(text).toContain('处置 6 件｜办结 3 件');
    expect(text).toContain('报告类时限 11 项：迟报 1、漏报 1');
    // bureau 0/30, relief 28/30, eldercare 1/30
    expect(text).toContain('值班报告：已报 29/90（32.2%），漏报 61 班次');
  });

  test('a person (their own figures; anyone may see their own)', async () => {
    const wufang = { id: 'wufang', personId: 'wufang', name: '吴芳' };
    const text = await s.reports.assessment(wufang, { kind: 'person', personId: 'wufang' }, '2026-11', clock.now());
    expect(text).toBe(
      [
        '【考核】吴芳 2026年11月',
        '处置 4 件｜办结 3 件',
        '处置率 3/4（75%）',
        '签收用时：中位 10分，P90 20分（3 次）',
        '按时完成率：',
        '· 签收 2/4（50%）',
        '违约：轻微 2、重大 0',
        '报告类时限 0 项：迟报 0、漏报 0',
      ].join('\n'),
    );
  });

  test('privileged: someone without a role may not see a unit’s assessment', async () => {
    const xuting = { id: 'xuting', personId: 'xuting', name: '徐婷' };
    await expect(
      s.reports.assessment(xuting, { kind: 'unit', unitId: 'relief' }, '2026-11', clock.now()),
    ).rejects.toThrow('没有查看该考核结果的权限');
  });
});
