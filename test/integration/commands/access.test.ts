/**
 * Who may see and do what: confidentiality between units (002 / 004 "内外有别，严防泄密") and the
 * configured permissions (`permissions.close`, `permissions.handle`).
 */
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';

let app: TestApp;
let reliefId: string;
let elderId: string;
beforeAll(async () => {
  app = await startTestApp();
  reliefId = /YQ-\d{8}-\d{3}/.exec((await say(app, 'relief', 'chenjing', '/上报 救助股的帖子'))[0].text)![0];
  elderId = /YQ-\d{8}-\d{3}/.exec((await say(app, 'eldercare', 'sunli', '/上报 养老中心的帖子'))[0].text)![0];
});
afterAll(async () => {
  await app.stop();
});

test("another unit's incident is 'not found' from a unit's chat, and stays untouched", async () => {
  const [r] = await say(app, 'eldercare', 'sunli', `/进展 ${reliefId} 越权登记`);
  expect(r.text).toContain(`找不到事件 ${reliefId}`);
  const [show] = await say(app, 'eldercare', 'zhaolei', `/查看 ${reliefId}`);
  expect(show.text).toContain('找不到事件');
  expect((await app.incidents.view({ kind: 'system' }, reliefId)).ledger.map((e) => e.kind)).not.toContain(
    'incident.note',
  );
  const [list] = await say(app, 'eldercare', 'zhaolei', '/列表 全部');
  expect(list.text).toContain(elderId);
  expect(list.text).not.toContain(reliefId);
});

test('the leadership group chat, and its members 1:1, see every unit; others 1:1 only the units where they hold a role', async () => {
  const [all] = await say(app, 'leaders', 'wangjg', '/列表');
  expect(all.text).toContain(reliefId);
  expect(all.text).toContain(elderId);
  const [leaderDm] = await say(app, '@lihua', 'lihua', `/查看 ${elderId}`);
  expect(leaderDm.text).toContain(elderId);
  const [headDm] = await say(app, '@sunli', 'sunli', '/列表 全部'); // 孙丽: eldercare's deputy, not in the group
  expect(headDm.text).toContain(elderId);
  expect(headDm.text).not.toContain(reliefId);
});

test('closing, publishing, progress and feedback need the configured permission (issue 10 item 13)', async () => {
  const [close] = await say(app, 'relief', 'xuting', `/办结 ${reliefId} 我来办结`);
  expect(close.text).toContain('没有办结权限');
  const [publish] = await say(app, 'relief', 'xuting', `/发布 ${reliefId} https://bbs.example.cn/t/1`);
  expect(publish.text).toContain('没有登记发布权限');
  // an 信息员 may neither move the incident to 处置中 nor start its feedback clock
  const [progress] = await say(app, 'relief', 'xuting', `/进展 ${reliefId} 帖子转发量上升`);
  expect(progress.text).toContain('没有登记进展权限');
  const [feedback] = await say(app, 'relief', 'xuting', `/反馈 ${reliefId} 网友追问`);
  expect(feedback.text).toContain('没有登记反馈权限');
  let v = await app.incidents.view({ kind: 'system' }, reliefId);
  expect(v.incident.status).toBe('reported');
  expect(v.ledger.map((e) => e.kind)).not.toEqual(expect.arrayContaining(['incident.note']));
  expect(v.milestones.some((m) => m.key === 'feedback_answer')).toBe(false);
  // once assigned (the pseudo-role assignee in permissions.update), the same person may record progress
  await say(app, 'relief', 'wufang', `/指派 ${reliefId} @徐婷 核实`);
  const [assigned] = await say(app, 'relief', 'xuting', `/进展 ${reliefId} 帖子转发量上升`);
  expect(assigned.text).toContain('已登记');
  v = await app.incidents.view({ kind: 'system' }, reliefId);
  expect(v.incident.status).toBe('handling');
  // the bureau's director (a role in the parent unit) may close a sub-unit's incident (after categorising, item 15)
  await say(app, 'relief', 'wangjg', `/分类 ${reliefId} 诉求`);
  const [ok] = await say(app, 'relief', 'wangjg', `/办结 ${reliefId} 已处置 确认`);
  expect(ok.text).toContain('已办结');
});

test('notes and roles have bounds: an over-long note or role is refused with the limit', async () => {
  const [note] = await say(
    app,
    'eldercare',
    'sunli',
    `/发布 ${elderId} https://bbs.example.cn/t/2 ${'长'.repeat(2001)}`,
  );
  expect(note.text).toContain('说明过长（2001 字）');
  const [role] = await say(app, 'eldercare', 'sunli', `/指派 ${elderId} @赵磊 ${'很长的角色'.repeat(5)}`);
  expect(role.text).toContain('角色名称请控制在 20 字以内');
});
