/**
 * Inbound ids (issue 14 item 4; wecom.md §5 "dedupe messages on MsgId (string)", §6.4 "MsgId
 * overflows JS numbers"): a `msgid` that arrives as a JSON number above 2^53 keeps every digit, so
 * two different such ids are two messages, and the same one twice is handled once; the dedupe row
 * is in PostgreSQL before the callback is answered, so it holds for every instance on the database.
 */
import { postCallback } from '../../src/bot/adapters/wecom/callback-builder.js';
import { E2E_AES_KEY, E2E_TOKEN, RELIEF_CHAT, startWeComE2E, type WeComE2E } from './support/wecom-app.js';

let w: WeComE2E;
beforeAll(async () => {
  w = await startWeComE2E();
});
afterAll(async () => {
  await w?.stop();
});

/** A text callback whose msgid is written as a bare JSON number (as a 64-bit id would be). */
function numericCallback(msgid: string, text: string): string {
  return `{"msgid": ${msgid}, "aibotid": "aibE2E", "chattype": "group", "chatid": "${RELIEF_CHAT}", "from": {"userid": "ChenJing"}, "msgtype": "text", "text": {"content": "@舆情助手 ${text}"}}`;
}

async function send(plain: string) {
  return postCallback(w.botUrl, w.client.seal(plain as never), E2E_TOKEN, E2E_AES_KEY);
}

test('two numeric msgids above 2^53 that are one double apart are two messages; each is stored with every digit; a repeat is handled once', async () => {
  const a = '18446744073709551615';
  const b = '18446744073709551614';
  expect(Number(a)).toBe(Number(b)); // JSON.parse would have made them one message
  const first = await send(numericCallback(a, '/上报 数字消息编号甲'));
  const second = await send(numericCallback(b, '/上报 数字消息编号乙'));
  const text = (r: { reply?: unknown }) => (r.reply as { stream?: { content?: string } })?.stream?.content ?? '';
  expect(text(first)).toContain('数字消息编号甲');
  expect(text(second)).toContain('数字消息编号乙');
  const again = await send(numericCallback(a, '/上报 数字消息编号甲'));
  expect(again.status).toBe(200);
  expect(again.rawBody).toBe('');

  const rows = await w.app.store.db
    .selectFrom('processed_events')
    .select('event_id')
    .where('event_id', 'in', [a, b])
    .execute();
  expect(rows.map((r) => r.event_id).sort()).toEqual([b, a].sort());
  const incidents = await w.app.store.pool.query(
    "SELECT count(*)::int AS n FROM incidents WHERE description LIKE '数字消息编号%'",
  );
  expect(incidents.rows[0].n).toBe(2);
});
