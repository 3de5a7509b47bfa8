/**
 * The fake AI-bot long connection (issue 12 item 6; wecom.md §1c, §2, §5, §8.1) driven with a raw
 * WebSocket client, so the fake itself is proven to reject what the real API rejects: a wrong
 * secret, frames before subscribing (846609), a second connection evicting the first, a card
 * update after 5 s or twice, send without chatid, empty or too long content, markdown_v2 mentions;
 * and the webhook robot's markdown_v2 with mentions.
 */
import { WebSocket } from 'ws';
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';

const BOT = 'aibFake';
const SECRET = 'fake-secret';
let fake: FakeWeComServer;

beforeAll(async () => {
  fake = await FakeWeComServer.start();
  fake.aibot.addBot(BOT, SECRET);
  fake.addWebhookKey('k1');
});
afterAll(async () => {
  await fake.close();
});

type Frame = { cmd?: string; headers: { req_id: string }; body?: any; errcode?: number; errmsg?: string };

/** A raw client: `call` sends a frame and resolves with its acknowledgement; `next` waits for a pushed frame. */
async function open() {
  const ws = new WebSocket(fake.wsUrl);
  await new Promise((res, rej) => ws.once('open', res).once('error', rej));
  const inbox: Frame[] = [];
  const waiters: Array<(f: Frame) => boolean> = [];
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString()) as Frame;
    inbox.push(f);
    for (const w of [...waiters]) if (w(f)) waiters.splice(waiters.indexOf(w), 1);
  });
  let n = 0;
  // a frame is taken once: answers to the same req_id come back in order
  const next = (pred: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve) => {
      const at = inbox.findIndex(pred);
      if (at >= 0) {
        resolve(inbox.splice(at, 1)[0]);
        return;
      }
      waiters.push((f) => {
        if (!pred(f)) return false;
        inbox.splice(inbox.indexOf(f), 1);
        resolve(f);
        return true;
      });
    });
  const call = (cmd: string, body?: unknown, reqId = `${cmd}_${++n}`) => {
    ws.send(JSON.stringify({ cmd, headers: { req_id: reqId }, body }));
    return next((f) => !f.cmd && f.headers.req_id === reqId);
  };
  const closed = new Promise<void>((res) => ws.once('close', () => res()));
  return { ws, call, next, closed };
}

test('subscribe checks bot id and secret (40001); frames before subscribing get 846609 (wecom.md §5, §8.1)', async () => {
  const c = await open();
  expect((await c.call('ping')).errcode).toBe(846609);
  expect(
    (await c.call('aibot_send_msg', { chatid: 'wr1', msgtype: 'markdown', markdown: { content: 'x' } })).errcode,
  ).toBe(846609);
  expect((await c.call('aibot_subscribe', { bot_id: BOT, secret: 'wrong' })).errcode).toBe(40001);
  expect((await c.call('aibot_subscribe', { bot_id: BOT, secret: SECRET })).errcode).toBe(0);
  expect((await c.call('ping')).errcode).toBe(0);
  c.ws.close();
  await c.closed;
});

test('a second connection evicts the first: disconnected_event, then the first is closed (wecom.md §1c)', async () => {
  const first = await open();
  await first.call('aibot_subscribe', { bot_id: BOT, secret: SECRET });
  const second = await open();
  await second.call('aibot_subscribe', { bot_id: BOT, secret: SECRET });
  const evicted = await first.next((f) => f.cmd === 'aibot_event_callback');
  expect(evicted.body.event.eventtype).toBe('disconnected_event');
  await first.closed;
  expect(fake.aibot.openConnections()).toEqual({ open: 1, subscribed: 1 });
  second.ws.close();
  await second.closed;
});

test('answers: req_id must be one the fake issued; a card update only once and within 5 s; payloads checked', async () => {
  const c = await open();
  await c.call('aibot_subscribe', { bot_id: BOT, secret: SECRET });
  const card = {
    card_type: 'button_interaction',
    main_title: { title: 't' },
    task_id: 'task1',
    button_list: [{ text: '签收', key: 'ack' }],
  };
  expect(
    (await c.call('aibot_respond_msg', { msgtype: 'stream', stream: { id: 's', content: 'x' } }, 'made-up')).errcode,
  ).not.toBe(0);

  const msgReq = fake.aibot.deliverMessage(BOT, {
    msgid: 'm1',
    msgtype: 'text',
    from: { userid: 'u' },
    text: { content: 'hi' },
  });
  await c.next((f) => f.headers.req_id === msgReq && f.cmd === 'aibot_msg_callback');
  expect(
    (
      await c.call(
        'aibot_respond_msg',
        { msgtype: 'stream', stream: { id: 's', finish: true, content: '长'.repeat(7000) } },
        msgReq,
      )
    ).errcode,
  ).toBe(45002);
  expect(
    (await c.call('aibot_respond_msg', { msgtype: 'markdown_v2', markdown_v2: { content: '<@u> 你好' } }, msgReq))
      .errcode,
  ).toBe(40058);
  expect(
    (
      await c.call(
        'aibot_respond_msg',
        { msgtype: 'stream', stream: { id: 's', finish: true, content: '<@u> 好' } },
        msgReq,
      )
    ).errcode,
  ).toBe(0);

  const evReq = fake.aibot.deliverEvent(BOT, {
    msgid: 'e1',
    msgtype: 'event',
    from: { userid: 'u' },
    event: { eventtype: 'template_card_event' },
  });
  await c.next((f) => f.headers.req_id === evReq);
  const update = { response_type: 'update_template_card', template_card: card };
  expect((await c.call('aibot_respond_update_msg', update, evReq)).errcode).toBe(0);
  expect((await c.call('aibot_respond_update_msg', update, evReq)).errcode).not.toBe(0);

  const late = fake.aibot.deliverEvent(BOT, {
    msgid: 'e2',
    msgtype: 'event',
    from: { userid: 'u' },
    event: { eventtype: 'template_card_event' },
  });
  await c.next((f) => f.headers.req_id === late);
  fake.advance(5001);
  const r = await c.call('aibot_respond_update_msg', update, late);
  expect(r.errcode).not.toBe(0);
  expect(r.errmsg).toContain('5 s');
  c.ws.close();
  await c.closed;
});

test('aibot_send_msg: chatid required, content 1..4096 bytes, valid cards, markdown_v2 cannot mention, 45009 from the 21st a minute per chat', async () => {
  const c = await open();
  await c.call('aibot_subscribe', { bot_id: BOT, secret: SECRET });
  const md = (content: string, chatid = 'wrSend') => ({ chatid, msgtype: 'markdown', markdown: { content } });
  expect((await c.call('aibot_send_msg', { msgtype: 'markdown', markdown: { content: 'x' } })).errcode).toBe(40058);
  expect((await c.call('aibot_send_msg', md(''))).errcode).toBe(44004);
  expect((await c.call('aibot_send_msg', md('长'.repeat(1366)))).errcode).toBe(45002);
  expect(
    (await c.call('aibot_send_msg', { chatid: 'wrSend', msgtype: 'markdown_v2', markdown_v2: { content: '<@u> x' } }))
      .errcode,
  ).toBe(40058);
  expect(
    (
      await c.call('aibot_send_msg', {
        chatid: 'wrSend',
        msgtype: 'template_card',
        template_card: {
          card_type: 'button_interaction',
          main_title: { title: 't' },
          task_id: 'bad id!',
          button_list: [{ text: 'a', key: 'k' }],
        },
      })
    ).errcode,
  ).toBe(42014);
  const codes: number[] = [];
  for (let i = 0; i < 21; i += 1) codes.push((await c.call('aibot_send_msg', md(`第${i}条 <@u>`, 'wrBurst'))).errcode!);
  expect(codes.slice(0, 20).every((x) => x === 0)).toBe(true);
  expect(codes[20]).toBe(45009);
  c.ws.close();
  await c.closed;
});

test('webhook robot: markdown_v2 with a mention is rejected (it would never notify, wecom.md §2)', async () => {
  const res = await fetch(`${fake.baseUrl}/cgi-bin/webhook/send?key=k1`, {
    method: 'POST',
    body: JSON.stringify({ msgtype: 'markdown_v2', markdown_v2: { content: '请 <@LiuYang> 签收' } }),
  });
  expect((await res.json()).errcode).toBe(40058);
});
