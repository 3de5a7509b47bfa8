/**
 * Issue 4 "Done means": working-day deadlines skip a statutory holiday and count a make-up
 * Saturday — through the whole bot: `/反馈` on Tue 2025-09-30 starts the written-answer clock
 * (000 L8: 5 working days). National Day 2025: Oct 1–8 are holidays, Sat Oct 11 is a make-up
 * workday (调休), so the 5 working days are Oct 9, 10, 11, 13, 14 → due Tue 2025-10-14 18:00
 * Asia/Shanghai (calendar.endOfDay).
 */
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';

let app: TestApp;
const clock = TestClock.frozen(new Date('2025-09-30T02:00:00Z')); // Tue 10:00 in Shanghai
beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(async () => {
  await app.stop();
});

test('the written answer to feedback is due 5 statutory working days later, skipping National Day and counting the make-up Saturday', async () => {
  const [opened] = await say(app, 'relief', 'chenjing', '/上报 网民质疑低保名单公示不全 类别:诉求');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
  const [r] = await say(app, 'relief', 'wufang', `/反馈 ${id} 网民来电要求书面答复`);
  expect(r.text).toContain('「书面答复反馈」须于 10-14 18:00 前完成');
  const answer = (await app.incidents.view({ kind: 'system' }, id)).milestones.find(
    (m) => m.key === 'feedback_answer',
  )!;
  expect(answer.dueAt.toISOString()).toBe('2025-10-14T10:00:00.000Z');
  expect(answer.ownerIds).toEqual(['wufang']);
  // the inquiry opinion (001 school: same day) is due at the end of this working day
  const opinion = (await app.incidents.view({ kind: 'system' }, id)).milestones.find(
    (m) => m.key === 'inquiry_opinion',
  )!;
  expect(opinion.dueAt.toISOString()).toBe('2025-09-30T10:00:00.000Z');
  const [bad] = await say(app, 'relief', 'wufang', `/反馈 ${id}`);
  expect(bad.text).toContain('请写明反馈内容');
});
