/**
 * The rollup's 待审批 count (issue 9 item 1 "awaiting approval"; issue 8 approvals): an incident
 * with a statement or plan awaiting a decision at the rollup's time is counted once, in its unit's
 * rollup and in the leadership group's; not in another unit's; not after the decision; and a
 * rollup of an earlier time does not count a version submitted after it.
 */
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';

let app: TestApp;
// 2026-12-01 10:00 Asia/Shanghai
const clock = TestClock.frozen(new Date('2026-12-01T02:00:00Z'));
beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(async () => {
  await app.stop();
});

/** The 待审批 line of the rollup the bot answers `line` with. */
async function counts(chat: string, who: string, line = '/日报'): Promise<string | undefined> {
  const replies = await say(app, chat, who, line);
  const rollup = replies.find((m) => m.text.startsWith('【舆情日报'));
  if (!rollup) throw new Error(`no rollup among the replies: ${JSON.stringify(replies.map((m) => m.text))}`);
  return rollup.text.split('\n').find((l) => l.startsWith('待审批'));
}

test('an incident with a pending approval shows as 待审批 1 in the day’s rollup until it is decided', async () => {
  const [opened] = await say(app, 'relief', 'chenjing', '/上报 低保审核公示被质疑 三级');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
  expect(await counts('relief', 'liuyang')).toMatch(/^待审批 0｜/);

  clock.advance(10 * 60_000); // 10:10
  await say(app, 'relief', 'zhangmin', `/拟稿 ${id} 关于低保审核的情况说明：已复核，结果将公示。`);
  await say(app, 'relief', 'zhangmin', `/方案 ${id} 当日复核并公示，两日内答复。`);
  // statement and plan both awaiting: one incident
  expect(await counts('relief', 'liuyang')).toMatch(/^待审批 1｜/);
  expect(await counts('leaders', 'wangjg')).toMatch(/^待审批 1｜/);
  expect(await counts('eldercare', 'zhaolei')).toMatch(/^待审批 0｜/);
  // the scheduled posts of a round (ReportPoster.post) read 待审批 once for all of the round's
  // incidents: the same counts per chat
  const shared = async (chat: string) =>
    (await app.reports.daily(chat, '2026-12-01', { shared: true })).text
      .split('\n')
      .find((l) => l.startsWith('待审批'));
  expect(await shared('relief')).toMatch(/^待审批 1｜/);
  expect(await shared('leaders')).toMatch(/^待审批 1｜/);
  expect(await shared('eldercare')).toMatch(/^待审批 0｜/);

  clock.advance(10 * 60_000); // 10:20
  await say(app, 'relief', 'liuyang', `/通过 ${id} 稿件`);
  expect(await counts('relief', 'liuyang')).toMatch(/^待审批 1｜/); // the plan still waits
  await say(app, 'relief', 'liuyang', `/通过 ${id} 方案`);
});

test('the rollup counts what was awaiting at its own time (a draft submitted after the cut is not in it)', async () => {
  const [opened] = await say(app, 'relief', 'chenjing', '/上报 公示栏信息有误 四级');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
  // after the day's cut (17:30 by default): the draft belongs to the next rollup
  clock.set(new Date('2026-12-01T09:40:00Z')); // 17:40
  await say(app, 'relief', 'zhangmin', `/拟稿 ${id} 更正说明：公示栏信息已更正。`);
  const replies = await say(app, 'relief', 'liuyang', '/日报 12-01');
  const lines = replies.find((m) => m.text.startsWith('【舆情日报'))!.text.split('\n');
  expect(lines[1]).toMatch(/^新增 2｜在办 2｜/); // the incident is in that rollup…
  expect(lines.find((l) => l.startsWith('待审批'))).toMatch(/^待审批 0｜/); // …its draft is not
});
