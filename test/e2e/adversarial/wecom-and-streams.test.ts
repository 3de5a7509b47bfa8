/**
 * Hostile input on the WeCom callback and the sandbox event streams, through the whole app.
 * WeCom renders `<@userid>` in markdown as a real @-mention (wecom.md §2, §6): text typed by a user
 * and echoed by the bot — nested tokens, literal `<@…>`, an incident title in a card sent through
 * the webhook robot [91770] — must never become one. Control characters in a WeCom message are
 * dropped like in the sandbox, not answered with a generic failure. Held-open event streams are
 * capped, so they cannot exhaust the process's file descriptors; a HEAD request does not hold one.
 */
import http from 'node:http';
import { RELIEF_CHAT, RELIEF_WEBHOOK_KEY, startWeComE2E, type WeComE2E } from '../support/wecom-app.js';

let w: WeComE2E;
beforeAll(async () => {
  w = await startWeComE2E();
});
afterAll(async () => {
  await w?.stop();
});

/** Every `<@userid>` mention in a WeCom markdown text. */
const mentionsIn = (text: string): string[] => [...text.matchAll(/<@([^>]*)>/g)].map((m) => m[1]);

test('a WeCom report with a literal <@userid> and a nested @{…} token mentions only the two responsible people (wecom.md §6)', async () => {
  const ex = await w.client.sendText({
    chatId: RELIEF_CHAT,
    userId: 'ChenJing',
    text: '@舆情助手 /上报 请看<@LiHua> 和 @{a @{WangJianGuo}} 的帖子',
  });
  const content = (ex.reply as { stream: { content: string } }).stream.content;
  expect(content).toContain('【舆情上报】');
  expect(mentionsIn(content).sort()).toEqual(['LiuYang', 'WuFang']);
});

test('a WeCom message with a NUL character is handled normally, not answered with the generic failure', async () => {
  const ex = await w.client.sendText({
    chatId: RELIEF_CHAT,
    userId: 'ChenJing',
    text: '@舆情助手 /上报 空字符\u0000测试',
  });
  const content = (ex.reply as { stream: { content: string } }).stream.content;
  expect(content).toContain('内容：空字符测试');
  expect(content).not.toContain('出错');
});

test('a card sent through the webhook robot as markdown cannot @-mention through a user-typed title [91770]', async () => {
  await w.app.notifier.notify({
    chatId: 'relief',
    text: '卡片测试',
    mentions: [],
    card: {
      id: 'ack-test',
      title: 'YQ-20261129-999 请责任人签收',
      description: '标题<@LiHua>',
      fields: [{ label: '级别', value: '<@WangJianGuo>' }],
      buttons: [],
    },
  });
  // queued in the outbox; the delivery worker posts it through the webhook robot
  const sent = await w.fake.waitFor(
    (r) => r.kind === 'webhook' && r.key === RELIEF_WEBHOOK_KEY && JSON.stringify(r.body).includes('卡片测试'),
  );
  const content = (sent.body as { markdown: { content: string } }).markdown.content;
  expect(content).toContain('标题<＠LiHua>');
  expect(mentionsIn(content)).toEqual([]);
});

/** Opens an SSE stream and resolves with its status once the first bytes (or the error body) arrive. */
function openStream(url: string, sockets: http.ClientRequest[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.once('data', (chunk: string) => resolve({ status: res.statusCode ?? 0, body: chunk }));
    });
    req.on('error', reject);
    sockets.push(req);
  });
}

test('at most 100 sandbox event streams are open at once; the next is refused with 429 JSON and the app keeps serving', async () => {
  const url = `${w.app.url}/api/sandbox/chats/relief/stream`;
  const sockets: http.ClientRequest[] = [];
  try {
    const opened = await Promise.all(Array.from({ length: 100 }, () => openStream(url, sockets)));
    expect(opened.every((o) => o.status === 200)).toBe(true);
    expect(w.app.sandbox!.openStreams).toBe(100);
    const refused = await openStream(url, sockets);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({
      error: 'BAD_REQUEST',
      message: expect.stringContaining('沙盒实时连接过多'),
    });
    const health = await fetch(`${w.app.url}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    for (const s of sockets) s.destroy();
  }
});

test('HEAD on an event stream answers with the headers and does not hold a stream open', async () => {
  const before = w.app.sandbox!.openStreams;
  const res = await fetch(`${w.app.url}/api/sandbox/chats/relief/stream`, { method: 'HEAD' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(w.app.sandbox!.openStreams).toBeLessThanOrEqual(before);
});
