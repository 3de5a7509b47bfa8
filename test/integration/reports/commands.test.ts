/**
 * Issue 9 in chat: /日报 /周报 /月报 /考核 /值班 /报告 through the sandbox on the seeded month
 * (test/fixtures/reports-month.ts), with the demo organisation. Outputs match the hand-computed
 * figures; bad input gets a Chinese message with the right form.
 */
import { bt, seedMonth } from '../../fixtures/reports-month.js';
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { SYSTEM_VIEWER } from '../../../src/domain/visibility.js';

let db: TestDatabase;
let app: TestApp;
const B = 'YQ-20261110-001';
beforeAll(async () => {
  db = await createTestDatabase();
  await seedMonth(db.store);
  app = await startTestApp({ database: db, clock: TestClock.frozen(bt('12-01 10:00')) });
});
afterAll(async () => {
  await app.stop();
  await db.drop();
});

const text = async (chat: string, who: string, line: string) =>
  (await say(app, chat, who, line)).map((m) => m.text).join('\n');

test('/日报 11-30 shows that day’s rollup on demand, @-mentioning who owes the overdue steps', async () => {
  const [m] = await say(app, 'relief', 'liuyang', '/日报 11-30');
  expect(m.text.split('\n').slice(0, 4)).toEqual([
    '【舆情日报】11月30日 社会救助股',
    '新增 2｜在办 1｜逾期 1',
    '待审批 0｜已回应 1｜趋于平息 0',
    '今日办结 1｜今日违约 2',
  ]);
  expect(m.mentions).toEqual(expect.arrayContaining(['liuyang', 'wufang']));
  expect(await text('relief', 'liuyang', '/日报 11月31日')).toContain('没有这一天');
  expect(await text('relief', 'liuyang', '/日报 下周')).toContain('请写成 2026-11-30、11-30、11月30日 或 昨天');
});

test('/周报 第48周 and /月报 11月: the leadership group sees all, a unit chat its own units', async () => {
  expect(await text('leaders', 'wangjg', '/周报 第48周')).toContain('处置率 1/2（50%）\n按级别：一般 1、影响较小 1');
  const elder = await text('eldercare', 'zhaolei', '/月报 11月');
  expect(elder).toContain('【舆情月报】2026年11月\n新增 2｜办结 0\n处置率 0/2（0%）');
  expect(elder).not.toContain('社会救助股');
  expect(await text('leaders', 'wangjg', '/周报 第60周')).toContain('没有第 60 周');
});

test('periods out of range or still to come get the range or 还没到 with the right form, not an internal error', async () => {
  for (const line of [
    '/周报 9999-W52',
    '/周报 0001-W01',
    '/月报 9999-12',
    '/月报 0001-01',
    '/考核 9999-12',
    '/日报 0001-01-01',
  ]) {
    const answer = await text('leaders', 'zhangmin', line);
    expect(answer).toContain('年份应在 2000–2099 之间');
    expect(answer).not.toContain('处理出错');
  }
  expect(await text('leaders', 'zhangmin', '/考核 社会救助股 9999-12')).toContain('年份应在 2000–2099 之间');
  // the seeded clock is 2026-12-01: next year's month and week have not come yet
  expect(await text('leaders', 'wangjg', '/月报 2027-05')).toContain('2027-05 还没到');
  expect(await text('leaders', 'wangjg', '/周报 2030-W01')).toContain('2030 年第 1 周还没到');
  expect(await text('leaders', 'wangjg', '/周报 本周')).toContain('【舆情周报】');
});

test('/考核 for a unit and for a person; privileged; rates with denominators (issue 9 item 5)', async () => {
  const unit = await text('relief', 'chenjing', '/考核 社会救助股 11月');
  expect(unit).toContain('处置率 3/4（75%）');
  expect(unit).toContain('签收用时：中位 9分，P90 30分（6 次）');
  expect(unit).toContain('值班报告：已报 28/30（93.3%），漏报 2 班次');
  expect(await text('relief', 'wufang', '/考核 @吴芳 2026-11')).toContain('签收用时：中位 10分，P90 20分（3 次）');
  expect(await text('relief', 'xuting', '/考核 社会救助股 11月')).toContain('没有查看该考核结果的权限');
  expect(await text('relief', 'chenjing', '/考核 不存在的单位')).toContain('找不到单位或人员');
});

test('/值班 files the shift’s report (a nil report too); the rollup then says it was filed (issue 9 item 4)', async () => {
  expect(await text('relief', 'chenjing', '/日报')).toContain('值班报告：未报');
  // a bare /值班 asks how; it files nothing
  const bare = await text('relief', 'chenjing', '/值班');
  expect(bare).toContain('请写明检查情况；无发现请发送 /值班 无');
  expect(bare).toContain('/值班 <检查情况> [平台:微博,抖音]');
  expect(await text('relief', 'chenjing', '/日报')).toContain('值班报告：未报');
  const reply = await text('relief', 'chenjing', '/值班 无');
  expect(reply).toContain('值班报告已登记（社会救助股）');
  expect(reply).toContain('班次：12-01 08:00 起 24 小时');
  expect(reply).toContain('情况：未发现新的重大负面舆情');
  expect(await text('relief', 'chenjing', '/日报')).toContain('值班报告：已报（陈静 10:00，未发现新的重大负面舆情）');
  const found = await text('eldercare', 'sunli', '/值班 某论坛出现养老院伙食差的帖子，已上报 平台:微博,本地论坛');
  expect(found).toContain('检查平台：微博、本地论坛');
  expect(found).toContain('情况：某论坛出现养老院伙食差的帖子，已上报');
  const ledger = await db.store.pool.query("SELECT count(*)::int AS n FROM ledger_entries WHERE kind = 'duty.filed'");
  expect(ledger.rows[0].n).toBe(29 + 2 + 1 - 1); // 28 + 1 seeded, 2 here
});

test('/报告 drafts an early warning with domain.md’s sections; 已报送 meets the milestone (issue 9 item 3)', async () => {
  const draft = await text('eldercare', 'chenjing', `/报告 ${B} 预警`);
  expect(draft).toContain(`【预警报告·草稿】${B}`);
  expect(draft).toContain('一、事件概要\n11-10 14:40 发现');
  expect(draft).toContain('二、风险等级\n重大或较大（II）');
  expect(draft).toContain('三、初步建议\n公布事实真相和处置情况，情节严重的移交执法部门');
  const sent = await text('eldercare', 'chenjing', `/报告 ${B} 预警 已报送 已报县委网信办`);
  expect(sent).toContain('「预警报告」已登记报送，时限事项「预警报告」已完成');
  const view = await app.incidents.view(SYSTEM_VIEWER, B);
  expect(view.milestones.find((m) => m.key === 'early_warning')).toMatchObject({ state: 'met', metBy: 'chenjing' });
  expect(view.ledger.filter((e) => e.kind === 'report.submitted').map((e) => e.payload)).toEqual([
    { type: 'warning', note: '已报县委网信办' },
  ]);
  const closure = await text('eldercare', 'chenjing', `/报告 ${B} 结案`);
  expect(closure).toContain('一、原因分析');
  expect(closure).toContain('二、处置效果\n11-11 09:00 发布回应\n11-12 10:00 趋于平息\n尚未办结');
  expect(closure).toContain(
    '三、整改措施\n处置中：报告领导小组超时（重大违约）；签收（赵磊）超时（轻微违约）；预警报告超时（轻微违约）',
  );
  expect(await text('eldercare', 'chenjing', `/报告 ${B} 通报`)).toContain('没有“通报”这种报告');
  // another unit's incident is not found from here (confidentiality)
  expect(await text('relief', 'liuyang', `/报告 ${B} 预警`)).toContain(`找不到事件 ${B}`);
});

test('/日报 after the 17:30 cut, with no date, shows the window counting now (what happened since the cut), saying so; /日报 今天 the closed one', async () => {
  const back = app.clock.now();
  try {
    app.clock.set(bt('12-01 18:00'));
    const [opened] = await say(app, 'relief', 'xuting', '/上报 日报截止后上报的帖子');
    const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
    app.clock.set(bt('12-01 18:05'));
    const running = await text('relief', 'liuyang', '/日报');
    expect(running.split('\n').slice(0, 2)).toEqual([
      '【舆情日报】12月2日 社会救助股',
      '（统计中：12-01 17:30 起，截至 12-01 18:05；12-02 17:30 截止）',
    ]);
    expect(running.split('\n')[2]).toMatch(/^新增 1｜/); // the report of 18:00 (open ones of before count too)
    expect(running).toContain(id);
    // the day's own rollup closed at 17:30: the incident of 18:00 is not in it, and it says nothing is still counting
    const closed = await text('relief', 'liuyang', '/日报 今天');
    expect(closed.split('\n')[0]).toBe('【舆情日报】12月1日 社会救助股');
    expect(closed).not.toContain('统计中');
    expect(closed).not.toContain(id);
  } finally {
    app.clock.set(back);
  }
});
