/**
 * Concurrent `/上报` (issue 15 item 1): the incident number is taken in its own short statement,
 * outside each open's transaction (store/PgIncidentRepo.ts `nextIncidentId`), so opens no longer
 * queue on the day's counter row until commit — and still get distinct, consecutive numbers
 * when none fails (domain.md: a short human id).
 */
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';

let app: TestApp;
// 2026-11-29 10:00 Asia/Shanghai: ids of the day are YQ-20261129-NNN
const clock = TestClock.frozen(new Date('2026-11-29T02:00:00Z'));

beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(async () => {
  await app.stop();
});

test('20 reports at once over three chats get the numbers 001 to 020, one each, each told its own', async () => {
  const reporters = [
    { chatId: 'relief', userId: 'chenjing' },
    { chatId: 'eldercare', userId: 'zhaolei' },
    { chatId: 'leaders', userId: 'zhangmin' },
  ];
  const sent = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const { chatId, userId } = reporters[i % reporters.length];
      const text = `/上报 并发上报测试第${i}条`;
      const res = await app.post('/api/sandbox/messages', { chatId, userId, text });
      expect(res.status).toBe(202);
      return { chatId, messageId: res.body.id as string, description: `并发上报测试第${i}条` };
    }),
  );
  await app.sandbox!.idle();

  const rows = await app.store.db.selectFrom('incidents').select(['id', 'description', 'chat_id']).execute();
  const expected = Array.from({ length: 20 }, (_, i) => `YQ-20261129-${String(i + 1).padStart(3, '0')}`);
  expect(rows.map((r) => r.id).sort()).toEqual(expected);
  // each report opened exactly one incident, in its own chat, and its reply names that incident's id
  for (const s of sent) {
    const mine = rows.filter((r) => r.description === s.description);
    expect(mine).toHaveLength(1);
    expect(mine[0].chat_id).toBe(s.chatId);
    const all = app.sandbox!.messages(s.chatId);
    const reply = all
      .slice(all.findIndex((m) => m.id === s.messageId) + 1)
      .find((m) => m.from === 'bot' && m.text.includes(`内容：${s.description}\n`));
    expect(reply?.text).toContain(`【舆情上报】**${mine[0].id}**`);
  }
  // the counter stands at the last number handed out
  const counter = await app.store.db
    .selectFrom('incident_counters')
    .select('last_number')
    .where('business_date', '=', '20261129')
    .executeTakeFirstOrThrow();
  expect(counter.last_number).toBe(20);
});
