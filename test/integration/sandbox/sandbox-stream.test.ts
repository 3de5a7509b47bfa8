/**
 * Live updates over Server-Sent Events (`GET /api/sandbox/chats/:chatId/stream`, sandbox issue) and
 * the page routes (`GET /sandbox` and its assets, no external assets).
 */
import { startSandboxServer, type SandboxServer } from './harness.js';

let srv: SandboxServer;
beforeEach(async () => {
  srv = await startSandboxServer();
});
afterEach(async () => {
  await srv.close();
});

interface SseEvent {
  event: string;
  data: any;
}

/** Opens a stream and returns a reader that yields parsed `message`/`update` events in order. */
async function openStream(
  path: string,
): Promise<{ next(): Promise<SseEvent>; close(): void; contentType: string | null }> {
  const abort = new AbortController();
  const res = await fetch(srv.baseUrl + path, { signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const queue: SseEvent[] = [];
  return {
    contentType: res.headers.get('content-type'),
    async next() {
      while (queue.length === 0) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
        let cut: number;
        for (cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) queue.push({ event, data: JSON.parse(data) });
        }
      }
      return queue.shift()!;
    },
    close() {
      abort.abort();
    },
  };
}

test("the stream delivers the person's message and the bot reply as `message` events, in order", async () => {
  const stream = await openStream('/api/sandbox/chats/relief/stream');
  expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
  await fetch(`${srv.baseUrl}/api/sandbox/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ chatId: 'relief', userId: 'liuyang', text: '现场情况如何' }),
  });
  const first = await stream.next();
  expect(first).toEqual({ event: 'message', data: expect.objectContaining({ from: 'liuyang', text: '现场情况如何' }) });
  const second = await stream.next();
  expect(second).toEqual({
    event: 'message',
    data: expect.objectContaining({ from: 'bot', text: '收到 @刘洋：现场情况如何', mentions: ['liuyang'] }),
  });
  stream.close();
});

test('a card update is pushed as an `update` event carrying the same message id', async () => {
  const stream = await openStream('/api/sandbox/chats/leaders/stream');
  await srv.adapter.send(
    { platform: 'sandbox', chatId: 'leaders' },
    { text: '请签收', card: { id: 'c-1', title: '待签收', buttons: [{ key: 'ack', text: '签收' }] } },
  );
  const sent = await stream.next();
  await fetch(`${srv.baseUrl}/api/sandbox/cards/c-1/actions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId: 'lihua', key: 'ack' }),
  });
  const update = await stream.next();
  expect(update.event).toBe('update');
  expect(update.data.id).toBe(sent.data.id);
  expect(update.data.card.title).toBe('舆情 YQ-20261129-001 已签收');
  expect(await stream.next()).toEqual({
    event: 'message',
    data: expect.objectContaining({ text: '@李华 点击了 ack' }),
  });
  stream.close();
});

test('streams only carry their own conversation, and stop() ends open streams', async () => {
  const leaders = await openStream('/api/sandbox/chats/leaders/stream');
  await srv.adapter.send({ platform: 'sandbox', chatId: 'relief' }, { text: '救助股消息' });
  await srv.adapter.send({ platform: 'sandbox', chatId: 'leaders' }, { text: '领导小组消息' });
  expect((await leaders.next()).data.text).toBe('领导小组消息');
  expect(srv.adapter.openStreams).toBe(1);
  await srv.adapter.stop();
  await expect(leaders.next()).rejects.toThrow('stream ended');
  expect(srv.adapter.openStreams).toBe(0);
});

test('GET /sandbox serves the Chinese page with a self-only Content-Security-Policy and no external assets', async () => {
  const res = await fetch(`${srv.baseUrl}/sandbox`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  const html = await res.text();
  expect(html).toContain('<html lang="zh-CN">');
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  for (const asset of ['app.js', 'render.js', 'style.css']) {
    const a = await fetch(`${srv.baseUrl}/sandbox/${asset}`);
    expect(a.status).toBe(200);
    expect(await a.text()).not.toMatch(/https?:\/\//);
  }
});
