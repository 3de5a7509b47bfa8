import { computeSignature } from '../../../src/bot/adapters/wecom/crypto.js';
import { buildUrlVerification } from '../../../src/bot/adapters/wecom/callback-builder.js';
import { TEXT_APOLOGY, TEXT_UNSUPPORTED } from '../../../src/bot/adapters/wecom/index.js';
import type { Card, InboundCardActionEvent, InboundMessageEvent } from '../../../src/bot/types.js';
import { AES_KEY, startHarness, TOKEN, type Harness } from './aibot-harness.js';

const CHAT = 'wrRelief002';
const card: Card = {
  id: 'YQ-20261129-001-ack',
  title: '舆情 YQ-20261129-001 待签收',
  fields: [{ label: '级别', value: '一般' }],
  buttons: [{ key: 'ack:YQ-20261129-001', text: '签收', style: 'primary' }],
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.setHandler(async () => undefined);
});

describe('URL verification [100719, 101033]', () => {
  test('answers the decrypted echostr raw as text/plain, with "+" and "/" percent-encoded in the URL', async () => {
    let q = buildUrlVerification(TOKEN, AES_KEY, '8432023552776189');
    for (let i = 0; i < 500 && !(q.echostr.includes('+') && q.echostr.includes('/')); i++)
      q = buildUrlVerification(TOKEN, AES_KEY, '8432023552776189');
    expect(q.echostr).toMatch(/\+/);
    const url = `${h.botUrl}?msg_signature=${q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}&echostr=${encodeURIComponent(q.echostr)}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('8432023552776189');
  });

  test('an unencoded "+" in echostr (decoded to a space) is still accepted (wecom.md §6.2)', async () => {
    let q = buildUrlVerification(TOKEN, AES_KEY, 'echo-plus');
    for (let i = 0; i < 500 && !q.echostr.includes('+'); i++) q = buildUrlVerification(TOKEN, AES_KEY, 'echo-plus');
    const raw = q.echostr.replace(/\//g, '%2F').replace(/=/g, '%3D');
    const res = await fetch(
      `${h.botUrl}?msg_signature=${q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}&echostr=${raw}`,
    );
    expect(await res.text()).toBe('echo-plus');
  });

  test('a forged signature or a stale timestamp on verification is 401', async () => {
    const q = buildUrlVerification(TOKEN, AES_KEY, 'x');
    const forged = await fetch(`${h.botUrl}?${new URLSearchParams({ ...q, msg_signature: 'f'.repeat(40) })}`);
    expect(forged.status).toBe(401);
    const old = buildUrlVerification(TOKEN, AES_KEY, 'x', { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const stale = await fetch(`${h.botUrl}?${new URLSearchParams(old)}`);
    expect(stale.status).toBe(401);
  });
});

describe('message callbacks [100719, 101031]', () => {
  test('a signed, encrypted group text reaches the sink normalised, and the passive reply is a finished stream with <@userid>', async () => {
    h.setHandler(async (e) => {
      await e.reply({ text: '已登记，请 @{LiHua} 签收', mentions: ['LiHua', 'WuFang'] });
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '@舆情助手 /上报 某平台出现负面帖子' });
    const e = h.events.at(-1) as InboundMessageEvent;
    expect(e).toMatchObject({
      platform: 'wecom',
      type: 'message',
      chatId: CHAT,
      userId: 'LiuYang',
      text: '/上报 某平台出现负面帖子',
      eventId: ex.plaintext!.msgid,
    });
    expect(ex.status).toBe(200);
    expect(ex.reply).toEqual({
      msgtype: 'stream',
      stream: { id: expect.any(String), finish: true, content: '已登记，请 <@LiHua> 签收\n<@WuFang>' },
    });
  });

  test('a card in the reply renders stream_with_template_card (button_interaction, task_id = card id)', async () => {
    h.setHandler(async (e) => {
      await e.reply({ text: '新舆情', card });
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '@舆情助手 /上报 x' });
    expect(ex.reply).toMatchObject({
      msgtype: 'stream_with_template_card',
      stream: { finish: true, content: '新舆情' },
      template_card: {
        card_type: 'button_interaction',
        task_id: card.id,
        button_list: [{ key: 'ack:YQ-20261129-001', text: '签收', style: 1 }],
      },
    });
  });

  test('a duplicate msgid gets 200 with an empty body and is handed over once (wecom.md §5)', async () => {
    const before = h.events.length;
    const first = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '/列表', msgid: 'dup-1' });
    const second = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '/列表', msgid: 'dup-1' });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.rawBody).toBe('');
    expect(h.events.length - before).toBe(1);
  });

  test('an image message is answered in Chinese that only text commands are supported, not handed over', async () => {
    const before = h.events.length;
    const ex = await h.client.sendPlaintext({
      msgid: 'img-1',
      chatid: CHAT,
      chattype: 'group',
      from: { userid: 'LiuYang' },
      msgtype: 'image',
      image: { url: 'https://x/y' },
    });
    expect(ex.reply).toMatchObject({ msgtype: 'stream', stream: { content: TEXT_UNSUPPORTED } });
    expect(h.events.length).toBe(before);
  });

  test('a failing handler that replied nothing gets a Chinese apology in the passive reply', async () => {
    h.setHandler(async () => {
      throw new Error('boom');
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '/上报 y' });
    expect(ex.reply).toMatchObject({ msgtype: 'stream', stream: { content: TEXT_APOLOGY } });
    expect(h.logs.some((l) => l.includes('wecom event handler failed'))).toBe(true);
  });

  test("an event from an unbound chat is handed over unchanged (binding is the hub's concern)", async () => {
    await h.client.sendText({ chatId: 'wrUnknownChat', userId: 'Stranger', text: '@舆情助手 /帮助' });
    expect(h.events.at(-1)).toMatchObject({ chatId: 'wrUnknownChat', userId: 'Stranger', text: '/帮助' });
  });
});

describe('rejected callbacks (401 logged, 400 JSON)', () => {
  test('a forged signature is 401 with a JSON error and a warn log line without secrets', async () => {
    const sealed = h.client.seal({ msgid: 'f1', from: { userid: 'u' }, msgtype: 'text', text: { content: 'x' } });
    const ex = await h.client.postRaw(
      {
        ...sealed.query,
        msg_signature: computeSignature('wrong-token', sealed.query.timestamp, sealed.query.nonce, sealed.body.encrypt),
      },
      JSON.stringify(sealed.body),
    );
    expect(ex.status).toBe(401);
    expect(JSON.parse(ex.rawBody)).toEqual({ error: 'SIGNATURE', message: 'invalid msg_signature' });
    const line = h.logs.filter((l) => l.includes('wecom callback rejected')).at(-1)!;
    expect(JSON.parse(line).level).toBe(40);
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain(AES_KEY);
  });

  test('a timestamp outside the window is 401 STALE', async () => {
    const sealed = h.client.seal(
      { msgid: 's1', from: { userid: 'u' }, msgtype: 'text', text: { content: 'x' } },
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
    );
    const ex = await h.client.postRaw(sealed.query, JSON.stringify(sealed.body));
    expect(ex.status).toBe(401);
    expect(JSON.parse(ex.rawBody).error).toBe('STALE');
  });

  test('malformed body, missing encrypt or missing query parameters are 400 JSON', async () => {
    const sealed = h.client.seal({ msgid: 'b1', from: { userid: 'u' }, msgtype: 'text', text: { content: 'x' } });
    const notJson = await h.client.postRaw(sealed.query, '{not json');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.rawBody)).toMatchObject({ error: 'BAD_REQUEST' });
    expect((await h.client.postRaw(sealed.query, '{"other":1}')).status).toBe(400);
    const { nonce: _n, ...noNonce } = sealed.query;
    expect((await h.client.postRaw(noNonce, JSON.stringify(sealed.body))).status).toBe(400);
  });
});

describe('card clicks [101027, 101031]', () => {
  test('a template_card_event becomes card.action and updateCard within the window is the passive update_template_card', async () => {
    h.setHandler(async (e) => {
      if (e.type === 'card.action')
        await e.updateCard({ ...card, title: '已签收', buttons: [{ key: 'done', text: '已签收', style: 'default' }] });
    });
    const ex = await h.client.clickCard({
      chatId: CHAT,
      userId: 'WuFang',
      taskId: card.id,
      eventKey: 'ack:YQ-20261129-001',
    });
    const e = h.events.at(-1) as InboundCardActionEvent;
    expect(e).toMatchObject({
      type: 'card.action',
      cardId: card.id,
      key: 'ack:YQ-20261129-001',
      userId: 'WuFang',
      chatId: CHAT,
    });
    expect(ex.reply).toMatchObject({
      response_type: 'update_template_card',
      template_card: { task_id: card.id, main_title: { title: '已签收' } },
    });
  });

  test('a text reply to a click (no card update) goes once to the response_url; the passive answer is empty', async () => {
    h.setHandler(async (e) => {
      await e.reply({ text: '@{WuFang} 已签收' });
    });
    const ex = await h.client.clickCard({ chatId: CHAT, userId: 'WuFang', taskId: card.id, eventKey: 'ack:x' });
    expect(ex.rawBody).toBe('');
    const rec = await h.fake.waitFor((r) => r.kind === 'response_url' && r.code === ex.responseCode);
    expect(rec).toMatchObject({ errcode: 0, body: { msgtype: 'markdown', markdown: { content: '<@WuFang> 已签收' } } });
  });
});

describe('enter_chat [101027, 101031]', () => {
  const enter = {
    msgid: '',
    chattype: 'single',
    from: { userid: 'LiHua' },
    msgtype: 'event',
    event: { eventtype: 'enter_chat' },
  };

  test('without a configured greeting it is acknowledged with an empty 200 and not handed over', async () => {
    const before = h.events.length;
    const ex = await h.client.sendPlaintext({ ...enter, msgid: 'enter-1' });
    expect([ex.status, ex.rawBody]).toEqual([200, '']);
    expect(h.events.length).toBe(before);
  });

  test('with a greeting configured it is answered with a passive text message', async () => {
    const g = await startHarness({ greeting: '您好，我是舆情助手。发送 /帮助 查看命令。' });
    try {
      const ex = await g.client.sendPlaintext({ ...enter, msgid: 'enter-2' });
      expect(ex.reply).toEqual({ msgtype: 'text', text: { content: '您好，我是舆情助手。发送 /帮助 查看命令。' } });
    } finally {
      await g.close();
    }
  });
});
