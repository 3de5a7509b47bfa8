/**
 * Issue 4 "Done means": a restart in the middle neither skips nor repeats a step. Steps whose time
 * passed while the bot was down fire once, promptly, after it comes back (the chase rows live in
 * PostgreSQL; every step is claimed once per plan).
 */
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';
import { botSays, compactConfig, entries, SCALE } from '../../helpers/deadlines.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

const config = compactConfig([
  { key: 'report_up', name: '报告领导小组', clock: 'discovery', owners: ['office'], limitMinutes: 10 },
]);
const settings = { TIME_SCALE: String(SCALE) };
let db: TestDatabase;
let app: TestApp | undefined;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await app?.stop();
  await db.drop();
});

test('steps missed while the bot was down fire once after the restart; none repeats', async () => {
  const clock = TestClock.flowingAt(); // one business clock across both runs
  app = await startTestApp({ settings, config, database: db, clock });
  const [opened] = await say(app, 'relief', 'xuting', '/上报 网传社会救助股办事推诿');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
  await botSays(app, 'relief', '【提醒】', '报告领导小组'); // the 50 % reminder, before the stop
  await app.stop();
  app = undefined;

  // Down for 3 business minutes past the first escalation rung (10 business minutes = 1.2 s here):
  // nothing runs meanwhile, so there is no event to await — this wait IS the downtime.
  const downFor = Math.round((10 + 5 + 3) * 60_000 * SCALE) - Math.round(5 * 60_000 * SCALE);
  await new Promise((r) => setTimeout(r, downFor));

  const restartedAt = clock.now();
  app = await startTestApp({ settings, config, database: db, clock });
  // the breach (at the deadline) and rung 2 (deadline + 5: the direct-responsible) were due while
  // down: they fire now, once, in one message (rung 1 would only repeat the owner: skipped)
  const burst = await botSays(app, 'relief', '【超时】', '报告领导小组');
  expect(burst.mentions).toEqual(['chenjing']);
  const rung2 = await botSays(app, 'relief', '【逾期升级·第 2 级】');
  expect(rung2.mentions).toEqual(['wufang']);
  // and the chase goes on with the next rungs
  await botSays(app, 'leaders', '【逾期升级·第 4 级】');
  await say(app, 'relief', 'chenjing', `/完成 ${id} 报告领导小组`);

  const steps = [
    ...(await entries(app, id, 'milestone.reminded')),
    ...(await entries(app, id, 'milestone.breached')),
    ...(await entries(app, id, 'milestone.escalated')),
  ].map((e) => e.payload.step as string);
  expect(steps.filter((s) => s === 'remind:50')).toHaveLength(1);
  expect(steps.filter((s) => s === 'breach')).toHaveLength(1);
  expect(steps).not.toContain('escalate:1:owner');
  for (const rung of ['escalate:2:directResponsible', 'escalate:3:firstResponsible', 'escalate:4:leadershipGroup']) {
    expect(steps.filter((s) => s === rung)).toHaveLength(1);
  }
  const breached = (await entries(app, id, 'milestone.breached'))[0];
  expect(breached.at.getTime()).toBeGreaterThanOrEqual(restartedAt.getTime());
  expect((await app.incidents.view({ kind: 'system' }, id)).breaches).toHaveLength(1);
});
