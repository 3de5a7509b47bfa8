/**
 * Issue 4 "Done means": with real Agenda and a real database, an incident nobody acknowledges gets
 * reminders, then escalates step by step (owner → direct-responsible → first-responsible →
 * leadership group → upper authority; domain.md "Notification and escalation ladder") until
 * someone acts, and then stops; every step happens exactly once.
 */
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';
import { botSays, chaseRunCompletes, compactConfig, entries, SCALE } from '../../helpers/deadlines.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    settings: { TIME_SCALE: String(SCALE) },
    config: compactConfig([
      {
        key: 'ack',
        name: '签收',
        clock: 'report',
        owners: ['firstResponsible', 'directResponsible'],
        perOwner: true,
        // long enough that the in-time 签收 below lands between the reminder and the deadline even on a
        // loaded machine (scaled: reminder at 3.6 s, deadline at 7.2 s)
        limitMinutes: 60,
        metBy: ['ack'],
      },
    ]),
  });
});
afterAll(async () => {
  await app.stop();
});

test('reminds, records the breach, climbs the ladder rung by rung, and stops once the owner acknowledges', async () => {
  const [opened] = await say(app, 'relief', 'chenjing', '/上报 网传救助站拒收流浪人员');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];

  // before the deadline: a reminder to each owner (remindAt 0.5)
  const remind = await botSays(app, 'relief', '【提醒】', '签收（吴芳）');
  expect(remind.mentions).toEqual(['wufang']);
  // 刘洋 (first-responsible) acknowledges in time: his chase stops; 吴芳 (direct-responsible) stays silent
  await say(app, 'relief', 'liuyang', `/签收 ${id}`);

  const breach = await botSays(app, 'relief', '【超时】', '签收（吴芳）');
  expect(breach.text).toContain('轻微违约');
  expect(breach.mentions).toEqual(['wufang']);
  // rung 1 (owner) and rung 2 (direct-responsible) would reach only 吴芳 herself: skipped, nobody chased twice;
  // rung 3 reaches her superior, the first-responsible
  const rung3 = await botSays(app, 'relief', '【逾期升级·第 3 级】', '签收（吴芳）');
  expect(rung3.mentions).toEqual(['liuyang']);
  const rung4 = await botSays(app, 'leaders', '【逾期升级·第 4 级】', '（报领导小组）');
  expect(rung4.mentions).toEqual(['wangjg', 'lihua']); // leader and deputies, in the leadership group's chat

  // 吴芳 finally acknowledges: the next run finds the milestone met and does nothing
  const ackAt = new Date();
  const stopped = chaseRunCompletes(
    app,
    (r, job) => r.incidentId === id && r.key === 'ack:wufang' && (job.attrs.lastRunAt ?? new Date(0)) >= ackAt,
  );
  await say(app, 'relief', 'wufang', `/签收 ${id}`);
  const lastRun = await stopped;
  expect(lastRun.attrs.nextRunAt ?? null).toBeNull();

  const escalated = (await entries(app, id, 'milestone.escalated')).map((e) => `${e.payload.key}/${e.payload.step}`);
  expect(escalated.sort()).toEqual(['ack:wufang/escalate:3:firstResponsible', 'ack:wufang/escalate:4:leadershipGroup']);
  const reminded = (await entries(app, id, 'milestone.reminded')).map((e) => e.payload.key);
  expect(reminded.sort()).toEqual(['ack:liuyang', 'ack:wufang']);
  const v = await app.incidents.view({ kind: 'system' }, id);
  expect(v.breaches.map((b) => [b.milestoneKey, b.personIds, b.grade])).toEqual([['ack:wufang', ['wufang'], 'minor']]);
  expect(v.milestones.map((m) => [m.key, m.state, m.breachedAt !== null])).toEqual(
    expect.arrayContaining([
      ['ack:wufang', 'met', true],
      ['ack:liuyang', 'met', false],
    ]),
  );
  expect(app.sandbox!.messages('@hegang')).toEqual([]); // the upper authority was never reached
});
