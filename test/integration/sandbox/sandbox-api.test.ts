/**
 * The sandbox JSON API over real HTTP (Koa on 127.0.0.1:0): contract shapes, mention rendering,
 * card actions updating the card in place, 1:1 conversations and every bad-input case (4xx JSON,
 * never 500). Contract: the sandbox issue (chats, messages, cards endpoints).
 */
import { demoDirectory, echoSink, startSandboxServer, type SandboxServer } from './harness.js';

let srv: SandboxServer;
const sinkCalls: string[] = [];

beforeEach(async () => {
  sinkCalls.length = 0;
  srv = await startSandboxServer({
    sink: async (e) => {
      sinkCalls.push(e.eventId);
      await echoSink(e);
    },
  });
});
afterEach(async () => {
  await srv.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(srv.baseUrl + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('sandbox API contract', () => {
  test('GET /api/sandbox/chats lists chats with unit, platform ids and members with roles (sandbox issue)', async () => {
    const { status, json } = await call('GET', '/api/sandbox/chats');
    expect(status).toBe(200);
    expect(json.map((c: { id: string }) => c.id)).toEqual(['leaders', 'relief']);
    expect(json[0]).toEqual({
      id: 'leaders',
      name: '局舆情工作领导小组群',
      unitName: '青山县民政局',
      wecomChatId: 'wrLeaders001',
      dingtalkChatId: 'cidLeaders001==',
      members: demoDirectory.chats[0].members,
    });
  });

  test('GET /api/sandbox/meta gives the business time zone, bot name and 1:1 ids of everyone', async () => {
    const { status, json } = await call('GET', '/api/sandbox/meta');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      timezone: 'Asia/Shanghai',
      botName: '舆情助手',
      maxTextLength: 4000,
      commandHints: ['/帮助', '/上报 ', '/卡片'],
    });
    expect(json.people).toContainEqual({
      id: 'hegang',
      name: '何刚',
      title: '县委网信办联络员',
      directChatId: '@hegang',
    });
    expect(json.people).toHaveLength(7);
  });

  test('POST /api/sandbox/messages answers 202 {id}, stores the message and the bot reply renders @{userId} as @姓名', async () => {
    const { status, json } = await call('POST', '/api/sandbox/messages', {
      chatId: 'leaders',
      userId: 'wangjg',
      text: '  你好 @李华  ',
    });
    expect(status).toBe(202);
    expect(typeof json.id).toBe('string');
    await srv.adapter.waitForMessage('leaders', (m) => m.from === 'bot');
    const { json: messages } = await call('GET', '/api/sandbox/chats/leaders/messages');
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({
      id: json.id,
      from: 'wangjg',
      text: '你好 @李华',
      mentions: ['lihua'],
      at: expect.stringMatching(ISO_UTC),
    });
    expect(messages[1]).toEqual({
      id: expect.any(String),
      from: 'bot',
      text: '收到 @王建国：你好 @李华',
      mentions: ['wangjg'],
      at: expect.stringMatching(ISO_UTC),
    });
  });

  test('the bot receives the text as typed, a leading @机器人名 included (the Bot hub decides what is addressed to it)', async () => {
    await call('POST', '/api/sandbox/messages', { chatId: 'relief', userId: 'chenjing', text: '@舆情助手 /卡片' });
    const reply = await srv.adapter.waitForMessage('relief', (m) => m.card !== undefined);
    expect(reply.card).toMatchObject({
      title: '舆情 YQ-20261129-001 待签收',
      buttons: [
        { key: 'ack', text: '签收', style: 'primary' },
        { key: 'detail', text: '查看详情' },
      ],
    });
  });

  test('a card action answers 202 and the handler updates the card in place: same message id and position', async () => {
    await call('POST', '/api/sandbox/messages', { chatId: 'leaders', userId: 'lihua', text: '/卡片' });
    const cardMsg = await srv.adapter.waitForMessage('leaders', (m) => m.card !== undefined);
    const { status, json } = await call('POST', `/api/sandbox/cards/${cardMsg.card!.id}/actions`, {
      userId: 'wangjg',
      key: 'ack',
    });
    expect(status).toBe(202);
    expect(json.id).toMatch(/^sandbox-card-/);
    await srv.adapter.waitForMessage('leaders', (m) => m.text === '@王建国 点击了 ack');
    const { json: messages } = await call('GET', '/api/sandbox/chats/leaders/messages');
    expect(messages.map((m: { id: string }) => m.id).slice(0, 2)).toEqual([expect.any(String), cardMsg.id]);
    expect(messages[1].card).toEqual({
      id: cardMsg.card!.id,
      title: '舆情 YQ-20261129-001 已签收',
      fields: [{ label: '签收人', value: '王建国' }],
      buttons: [],
    });
    expect(messages).toHaveLength(3);
  });

  test('a 1:1 conversation "@<userId>" carries bot sends to a person, and the person can answer there', async () => {
    await srv.adapter.send({ platform: 'sandbox', userId: 'hegang' }, { text: '请 @{hegang} 关注特报' });
    const sent = await call('GET', '/api/sandbox/chats/%40hegang/messages');
    expect(sent.json).toEqual([
      expect.objectContaining({ from: 'bot', text: '请 @何刚 关注特报', mentions: ['hegang'] }),
    ]);
    expect(
      (await call('POST', '/api/sandbox/messages', { chatId: '@hegang', userId: 'hegang', text: '收到' })).status,
    ).toBe(202);
    await srv.adapter.waitForMessage('@hegang', (m) => m.text === '收到 @何刚：收到');
    const other = await call('POST', '/api/sandbox/messages', { chatId: '@hegang', userId: 'wangjg', text: '冒充' });
    expect(other).toEqual({ status: 403, json: { error: 'FORBIDDEN', message: '私信会话只能以 何刚 本人身份发言' } });
  });

  test('a failing handler is logged and shown as a Chinese notice; the server keeps answering', async () => {
    await call('POST', '/api/sandbox/messages', { chatId: 'relief', userId: 'liuyang', text: '/失败' });
    await srv.adapter.idle();
    expect(srv.adapter.messages('relief').at(-1)).toMatchObject({
      from: 'bot',
      text: '抱歉，处理这条消息时出错了，请稍后再试。',
    });
    expect(srv.logger.entries.some((e) => e.level === 'error' && e.msg === 'sandbox event processing failed')).toBe(
      true,
    );
    expect((await call('GET', '/api/sandbox/chats')).status).toBe(200);
  });
});

describe('sandbox API rejects bad input with 4xx JSON {error, message} and hands nothing to the bot', () => {
  const long = 'a'.repeat(4001);
  const cases: Array<[string, string, string, number, string, unknown]> = [
    [
      'unknown chat',
      'POST',
      '/api/sandbox/messages',
      404,
      'NOT_FOUND',
      { chatId: 'nope', userId: 'wangjg', text: 'x' },
    ],
    [
      'unknown user',
      'POST',
      '/api/sandbox/messages',
      400,
      'BAD_REQUEST',
      { chatId: 'leaders', userId: 'nobody', text: 'x' },
    ],
    [
      'a person who is not in the chat',
      'POST',
      '/api/sandbox/messages',
      403,
      'FORBIDDEN',
      { chatId: 'relief', userId: 'wangjg', text: 'x' },
    ],
    [
      'empty text',
      'POST',
      '/api/sandbox/messages',
      400,
      'BAD_REQUEST',
      { chatId: 'leaders', userId: 'wangjg', text: '' },
    ],
    [
      'blank text',
      'POST',
      '/api/sandbox/messages',
      400,
      'BAD_REQUEST',
      { chatId: 'leaders', userId: 'wangjg', text: ' \n\t ' },
    ],
    [
      'text over 4000 characters',
      'POST',
      '/api/sandbox/messages',
      400,
      'BAD_REQUEST',
      { chatId: 'leaders', userId: 'wangjg', text: long },
    ],
    [
      'text that is not a string',
      'POST',
      '/api/sandbox/messages',
      400,
      'BAD_REQUEST',
      { chatId: 'leaders', userId: 'wangjg', text: 5 },
    ],
    ['missing chatId', 'POST', '/api/sandbox/messages', 400, 'BAD_REQUEST', { userId: 'wangjg', text: 'x' }],
    ['malformed JSON', 'POST', '/api/sandbox/messages', 400, 'BAD_REQUEST', '{"chatId": "leaders",'],
    ['a JSON array instead of an object', 'POST', '/api/sandbox/messages', 400, 'BAD_REQUEST', '[1,2]'],
    ['an empty body', 'POST', '/api/sandbox/messages', 400, 'BAD_REQUEST', ''],
    [
      'a body over 64 KiB',
      'POST',
      '/api/sandbox/messages',
      413,
      'BAD_REQUEST',
      { chatId: 'leaders', userId: 'wangjg', text: 'a'.repeat(70000) },
    ],
    ['messages of an unknown chat', 'GET', '/api/sandbox/chats/nope/messages', 404, 'NOT_FOUND', undefined],
    ['messages of an unknown 1:1 partner', 'GET', '/api/sandbox/chats/%40nobody/messages', 404, 'NOT_FOUND', undefined],
    ['the stream of an unknown chat', 'GET', '/api/sandbox/chats/nope/stream', 404, 'NOT_FOUND', undefined],
    ['an unknown card', 'POST', '/api/sandbox/cards/nope/actions', 404, 'NOT_FOUND', { userId: 'wangjg', key: 'ack' }],
  ];
  test.each(cases)('%s: %s %s → %i %s', async (_name, method, path, status, code, body) => {
    const res = await call(method, path, body);
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ error: code, message: expect.any(String) });
    expect(res.json.message.length).toBeGreaterThan(0);
    await srv.adapter.idle();
    expect(sinkCalls).toEqual([]);
    expect(srv.adapter.messages('leaders')).toEqual([]);
  });

  test('exactly 4000 characters is accepted (the limit is inclusive)', async () => {
    expect(
      (await call('POST', '/api/sandbox/messages', { chatId: 'leaders', userId: 'wangjg', text: '舆'.repeat(4000) }))
        .status,
    ).toBe(202);
  });

  test('card actions: a key that is not a button, an unknown user, a non-member and bad JSON are refused', async () => {
    await call('POST', '/api/sandbox/messages', { chatId: 'leaders', userId: 'wangjg', text: '/卡片' });
    const { card } = await srv.adapter.waitForMessage('leaders', (m) => m.card !== undefined);
    await srv.adapter.idle();
    sinkCalls.length = 0;
    const path = `/api/sandbox/cards/${card!.id}/actions`;
    expect(await call('POST', path, { userId: 'wangjg', key: 'delete' })).toEqual({
      status: 400,
      json: { error: 'BAD_REQUEST', message: '卡片「舆情 YQ-20261129-001 待签收」上没有按钮 delete' },
    });
    expect(await call('POST', path, { userId: 'nobody', key: 'ack' })).toMatchObject({
      status: 400,
      json: { error: 'BAD_REQUEST' },
    });
    expect(await call('POST', path, { userId: 'liuyang', key: 'ack' })).toMatchObject({
      status: 403,
      json: { error: 'FORBIDDEN', message: '刘洋 不是「局舆情工作领导小组群」的成员' },
    });
    expect(await call('POST', path, '{bad')).toMatchObject({ status: 400, json: { error: 'BAD_REQUEST' } });
    expect(await call('POST', path, { userId: 'wangjg' })).toMatchObject({
      status: 400,
      json: { error: 'BAD_REQUEST' },
    });
    await srv.adapter.idle();
    expect(sinkCalls).toEqual([]);
  });
});

describe('sandbox behind a global body parser (as server.ts may mount one)', () => {
  test('POST /api/sandbox/messages still works when @koa/bodyparser consumed the body first', async () => {
    const other = await startSandboxServer({ globalBodyParser: true });
    try {
      const res = await fetch(`${other.baseUrl}/api/sandbox/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ chatId: 'relief', userId: 'wufang', text: '测试' }),
      });
      expect(res.status).toBe(202);
      const reply = await other.adapter.waitForMessage('relief', (m) => m.from === 'bot');
      expect(reply.text).toBe('收到 @吴芳：测试');
    } finally {
      await other.close();
    }
  });
});
