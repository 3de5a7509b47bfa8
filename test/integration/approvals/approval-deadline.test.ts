/**
 * Issue 8 item 6: "statement awaiting approval" is a milestone planned at submission through the
 * existing deadline mechanism (DeadlinePlanner, milestone specs, ChaseService on real Agenda): the
 * approvers are reminded, the breach is recorded, the ladder climbs while it stays pending
 * (domain.md "Notification and escalation ladder"), and the approval meets it (000 L1). Also the
 * optional legal review (issue 8 item 2, domain.md "a legal review where configured").
 */
import { SYSTEM_VIEWER } from '../../../src/domain/visibility.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';
import { botSays, chaseRunCompletes, compactConfig, entries, SCALE } from '../../helpers/deadlines.js';

let app: TestApp;
beforeAll(async () => {
  const config = compactConfig([
    {
      key: 'statement_approval',
      name: '稿件待审批',
      clock: 'statementSubmitted',
      owners: ['approver'],
      limitMinutes: 10,
      metBy: ['approve', 'reject'],
    },
  ]);
  config.approvals.statement.approvers = ['firstResponsible'];
  // a legal review where configured (003: 法务 reviews responses)
  config.approvals.statement.legalReview = true;
  config.approvals.legalReviewers = ['zhaolei'];
  app = await startTestApp({ settings: { TIME_SCALE: String(SCALE) }, config });
});
afterAll(async () => {
  await app.stop();
});

test('a pending statement is reminded, breached and escalated to the leadership group; the approval stops the chase', async () => {
  const [opened] = await say(app, 'relief', 'chenjing', '/上报 网传低保名单造假');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
  await say(app, 'relief', 'zhangmin', `/拟稿 ${id} 关于低保名单的情况说明`);
  const v = await app.incidents.view(SYSTEM_VIEWER, id);
  expect(v.milestones.map((m) => [m.key, m.ownerIds])).toEqual([['statement_approval:v1', ['liuyang']]]);

  const remind = await botSays(app, 'relief', '【提醒】', '稿件待审批（第1版）');
  expect(remind.mentions).toEqual(['liuyang']);
  expect(remind.text).toContain(`点审批卡片上的「通过」或「驳回」，或发送 /通过 ${id} 稿件`);
  const breach = await botSays(app, 'relief', '【超时】', '稿件待审批（第1版）');
  expect(breach.mentions).toEqual(['liuyang']);
  // rungs 1–3 reach nobody above the approver (the first-responsible); rung 4 reaches the leadership group
  const rung4 = await botSays(app, 'leaders', '【逾期升级·第 4 级】', '稿件待审批（第1版）');
  expect(rung4.mentions).toEqual(['wangjg', 'lihua']);

  const approvedAt = new Date();
  const stopped = chaseRunCompletes(
    app,
    (r, job) => r.incidentId === id && (job.attrs.lastRunAt ?? new Date(0)) >= approvedAt,
  );
  await say(app, 'relief', 'liuyang', `/通过 ${id}`);
  expect((await stopped).attrs.nextRunAt ?? null).toBeNull();
  const after = await app.incidents.view(SYSTEM_VIEWER, id);
  expect(after.milestones.map((m) => [m.key, m.state, m.metBy, m.breachedAt !== null])).toEqual([
    ['statement_approval:v1', 'met', 'liuyang', true],
  ]);
  expect(after.breaches.map((b) => [b.milestoneKey, b.personIds])).toEqual([['statement_approval:v1', ['liuyang']]]);
  expect((await entries(app, id, 'milestone.escalated')).map((e) => e.payload.step)).toContain(
    'escalate:4:leadershipGroup',
  );
});

test("where a legal review is configured, publishing waits for a legal reviewer's /法务审核 (003)", async () => {
  const all = async (user: string, text: string) =>
    (await say(app, 'relief', user, text)).map((m) => m.text).join('\n');
  const id = /YQ-\d{8}-\d{3}/.exec(await all('chenjing', '/上报 网传救助金发放延迟'))![0];
  await all('zhangmin', `/拟稿 ${id} 关于救助金发放的说明`);
  await all('liuyang', `/通过 ${id}`);
  expect(await all('zhangmin', `/发布 ${id} https://weibo.example.cn/s/7`)).toContain('发布前还需：法务审核');
  expect(await all('xuting', `/法务审核 ${id} 无法律风险`)).toContain('须由配置的法务人员');
  expect(await all('zhaolei', `/法务审核 ${id} 无法律风险`)).toContain('已登记');
  expect(await all('zhangmin', `/发布 ${id} https://weibo.example.cn/s/7`)).toContain('已登记公开回应');
  const published = (await entries(app, id, 'incident.published'))[0];
  expect(published.payload.signOffs).toEqual([expect.objectContaining({ type: 'legal', opinion: '无法律风险' })]);
});
