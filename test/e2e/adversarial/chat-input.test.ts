/**
 * Hostile and sloppy chat input through the whole app (sandbox API → Bot → PostgreSQL), house rule
 * "bad input never crashes and never loses data: a chat user gets a clear Chinese message saying
 * what was wrong and the right form": control characters PostgreSQL cannot store, invisible format
 * characters around the command word, full-width and mistyped incident ids, acknowledging on
 * someone else's behalf (domain.md "each acknowledges (签收) … record who acknowledged and when"),
 * and user text that tries to @-mention people.
 */
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';

const GENERIC_FAILURE = '处理出错';
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

/** Opens an incident in `chatId` and returns its id. */
async function report(chatId: string, text: string): Promise<string> {
  const replies = await say(app, chatId, 'chenjing', `/上报 ${text}`);
  const id = /YQ-\d{8}-\d{3}/.exec(replies[0]?.text ?? '')?.[0];
  if (!id) throw new Error(`no incident opened: ${replies.map((r) => r.text).join(' | ')}`);
  return id;
}

test('NUL and other control characters in a report are dropped, not a database error: the incident opens with the rest of the text', async () => {
  const id = await report('relief', '含空字符\u0000的\u0007描述');
  const incident = await app.incidents.resolve({ kind: 'chat', chatId: 'relief' }, { kind: 'id', id });
  expect(incident.description).toBe('含空字符的描述');
  const ledger = await app.store.uow.repo.ledger(id);
  expect(ledger.filter((e) => e.kind === 'incident.opened')).toHaveLength(1);
});

test('an unpaired UTF-16 surrogate in progress text becomes U+FFFD instead of a database error', async () => {
  const id = await report('relief', '代理字符测试');
  const replies = await say(app, 'relief', 'liuyang', `/进展 ${id} 已核实\ud800情况`);
  expect(replies.map((r) => r.text).join('\n')).not.toContain(GENERIC_FAILURE);
  expect(replies[0].text).toContain(`已登记 ${id} 的进展`);
  const notes = (await app.store.uow.repo.ledger(id)).filter((e) => e.kind === 'incident.note');
  expect(notes.map((e) => (e.payload as { text: string }).text)).toEqual(['已核实\uFFFD情况']);
});

test('a zero-width space or a bidi mark pasted around the command word does not make it an unknown command', async () => {
  const withZwsp = await say(app, 'relief', 'chenjing', '/帮助\u200b 上报');
  expect(withZwsp[0].text).toMatch(/^\/上报 </);
  const withMark = await say(app, 'relief', 'chenjing', '\u200f/帮助');
  expect(withMark[0].text).toContain('/上报');
  expect(withMark[0].text).not.toContain('未知命令');
});

test('a full-width incident id (ＹＱ－…) is read like the half-width one', async () => {
  const id = await report('eldercare', '全角编号测试');
  await report('eldercare', '同群的另一事件');
  const fullWidth = id.replace(/[A-Z0-9-]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
  const replies = await say(app, 'eldercare', 'zhaolei', `/查看 ${fullWidth}`);
  expect(replies[0].text).toContain(`**${id}** 全角编号测试`);
});

test('a mistyped id is refused with the right form instead of acting on the only open incident of the chat', async () => {
  const id = await report('leaders', '领导群唯一事件');
  const replies = await say(app, 'leaders', 'zhangmin', '/办结 YQ-2026112-01 已处置完毕');
  expect(replies).toHaveLength(1);
  expect(replies[0].text).toContain('事件编号格式不正确：YQ-2026112-01');
  expect(replies[0].text).toContain('用法：/办结 <编号> <处置总结>');
  expect((await app.incidents.resolve({ kind: 'chat', chatId: 'leaders' }, { kind: 'id', id })).status).toBe(
    'reported',
  );
  expect((await app.store.uow.repo.ledger(id)).some((e) => e.kind === 'incident.closed')).toBe(false);
});

test("/完成 cannot mark another person's 签收 as met: it stays open and unacknowledged (domain.md: each acknowledges on their own clock)", async () => {
  const id = await report('relief', '代签收测试');
  const replies = await say(app, 'relief', 'liuyang', `/完成 ${id} 签收（吴芳）`);
  expect(replies[0].text).toContain('须由 吴芳 本人签收');
  expect(replies[0].text).toContain(`/签收 ${id}`);
  const ack = (await app.store.uow.repo.milestones(id)).find((m) => m.key === 'ack:wufang');
  expect(ack?.state).toBe('open');
  expect(await app.store.uow.repo.acknowledgements(id)).toEqual([]);
});

test('user-typed mention tokens, nested or not, never @-mention anyone: only the responsible people are mentioned', async () => {
  const replies = await say(app, 'relief', 'xuting', '/上报 请@{wangjg} 和 @{a @{lihua}} 看一下');
  expect(replies[0].mentions.sort()).toEqual(['liuyang', 'wufang']);
  expect(replies[0].text).toContain('请@｛wangjg｝ 和 @｛a @｛lihua｝} 看一下');
  const help = await say(app, 'relief', 'xuting', '/帮助 @{@{wangjg}}');
  expect(help[0].mentions).toEqual([]);
});
