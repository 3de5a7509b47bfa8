/**
 * SandboxAdapter in process (no HTTP): the PlatformAdapter seam (bot/types.ts: send, updateCard,
 * normalised InboundEvents with reply/updateCard), 1:1 "私信" conversations, and the test hooks
 * `waitForMessage` and `idle`.
 */
import { SandboxAdapter } from '../../../../../src/bot/adapters/sandbox/index.js';
import { BadRequestError, CardNotUpdatableError, NotFoundError } from '../../../../../src/errors.js';
import type { InboundCardActionEvent, InboundEvent, InboundMessageEvent } from '../../../../../src/bot/types.js';
import { demoDirectory, memoryLogger } from '../../../../integration/sandbox/fixtures.js';

const NOW = Date.parse('2026-11-29T02:03:04.000Z');
function make(opts: { max?: number } = {}) {
  const logger = memoryLogger();
  const adapter = new SandboxAdapter(demoDirectory, logger, { now: () => NOW, maxMessagesPerChat: opts.max });
  const events: InboundEvent[] = [];
  return { adapter, logger, events };
}

test('send posts a bot message into a chat and returns a sandbox MessageRef; updateCard replaces its card in place', async () => {
  const { adapter } = make();
  const ref = await adapter.send(
    { platform: 'sandbox', chatId: 'leaders' },
    {
      text: '@{wangjg} 请签收',
      mentions: ['lihua'],
      card: { id: 'c1', title: '待签收', buttons: [{ key: 'ack', text: '签收' }] },
    },
  );
  expect(ref).toEqual({ platform: 'sandbox', id: expect.any(String), platformRef: { conversationId: 'leaders' } });
  await adapter.updateCard(ref, { id: 'c1', title: '已签收', buttons: [] });
  expect(adapter.messages('leaders')).toEqual([
    {
      id: ref.id,
      from: 'bot',
      text: '@王建国 请签收 @李华',
      mentions: ['wangjg', 'lihua'],
      card: { id: 'c1', title: '已签收', buttons: [] },
      at: '2026-11-29T02:03:04.000Z',
    },
  ]);
});

test('send to a userId goes to that person\'s 1:1 conversation "@<userId>", also for people in no chat', async () => {
  const { adapter } = make();
  await adapter.send({ platform: 'sandbox', userId: 'hegang' }, { text: '特报已提交' });
  expect(adapter.messages('@hegang').map((m) => m.text)).toEqual(['特报已提交']);
});

test('send refuses unknown chats and people, refs of another platform and refs without an id', async () => {
  const { adapter } = make();
  await expect(adapter.send({ platform: 'sandbox', chatId: 'nope' }, { text: 'x' })).rejects.toThrow(NotFoundError);
  await expect(adapter.send({ platform: 'sandbox', userId: 'nobody' }, { text: 'x' })).rejects.toThrow(NotFoundError);
  await expect(adapter.send({ platform: 'wecom', chatId: 'leaders' }, { text: 'x' })).rejects.toThrow(BadRequestError);
  await expect(adapter.send({ platform: 'sandbox' }, { text: 'x' })).rejects.toThrow(BadRequestError);
  await expect(
    adapter.updateCard({ platform: 'sandbox', id: 'missing' }, { id: 'c', title: 't', buttons: [] }),
  ).rejects.toThrow(CardNotUpdatableError); // issue 14 item 1: the worker then posts the card anew
});

test("a person's message becomes a normalised InboundMessageEvent whose reply lands in the same chat", async () => {
  const { adapter, events } = make();
  adapter.init(async (e) => {
    events.push(e);
    await e.reply({ text: `好的 @{${e.userId}}` });
  });
  const id = adapter.postMessage('relief', 'wufang', '@舆情助手  /上报 微博帖子 ');
  await adapter.idle();
  const e = events[0] as InboundMessageEvent;
  expect(e).toMatchObject({
    type: 'message',
    platform: 'sandbox',
    eventId: `sandbox-msg-${id}`,
    chatId: 'relief',
    userId: 'wufang',
    userName: '吴芳',
    at: NOW,
    text: '@舆情助手  /上报 微博帖子',
  });
  expect(adapter.messages('relief').map((m) => [m.from, m.text])).toEqual([
    ['wufang', '@舆情助手  /上报 微博帖子'],
    ['bot', '好的 @吴芳'],
  ]);
});

test('a message in a 1:1 conversation carries no chatId and is answered in that conversation', async () => {
  const { adapter, events } = make();
  adapter.init(async (e) => {
    events.push(e);
    await e.reply({ text: '已收到' });
  });
  adapter.postMessage('@hegang', 'hegang', '你好');
  await adapter.idle();
  expect(events[0].chatId).toBeUndefined();
  expect(adapter.messages('@hegang').map((m) => m.text)).toEqual(['你好', '已收到']);
});

test('a card click hands over cardId and key; its updateCard replaces the card of the latest message carrying it', async () => {
  const { adapter, events } = make();
  adapter.init(async (e) => {
    events.push(e);
    if (e.type === 'card.action') await e.updateCard({ id: e.cardId, title: '已处理', buttons: [] });
  });
  const older = await adapter.send(
    { platform: 'sandbox', chatId: 'leaders' },
    { text: '旧', card: { id: 'c1', title: '旧卡片', buttons: [{ key: 'ack', text: '签收' }] } },
  );
  const newer = await adapter.send(
    { platform: 'sandbox', chatId: 'leaders' },
    { text: '新', card: { id: 'c1', title: '新卡片', buttons: [{ key: 'ack', text: '签收' }] } },
  );
  const eventId = adapter.clickCard('c1', 'zhangmin', 'ack');
  await adapter.idle();
  expect(events[0] as InboundCardActionEvent).toMatchObject({
    type: 'card.action',
    eventId,
    chatId: 'leaders',
    userId: 'zhangmin',
    userName: '张敏',
    cardId: 'c1',
    key: 'ack',
    at: NOW,
  });
  const byId = new Map(adapter.messages('leaders').map((m) => [m.id, m.card?.title]));
  expect([byId.get(older.id), byId.get(newer.id)]).toEqual(['旧卡片', '已处理']);
});

test('idle() waits for slow handlers and for events handed over while it waits', async () => {
  const { adapter } = make();
  const order: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  adapter.init(async (e) => {
    if (e.type !== 'message') return;
    if (e.text === '第一条') {
      await gate;
      adapter.postMessage('leaders', 'lihua', '第二条');
    }
    order.push(e.text);
  });
  adapter.postMessage('leaders', 'wangjg', '第一条');
  const idle = adapter.idle().then(() => order.push('idle'));
  open();
  await idle;
  expect(order).toEqual(['第一条', '第二条', 'idle']);
});

test('without a sink the message is stored and the drop is logged, nothing throws', async () => {
  const { adapter, logger } = make();
  adapter.postMessage('leaders', 'wangjg', '有人吗');
  await adapter.idle();
  expect(adapter.messages('leaders')).toHaveLength(1);
  expect(logger.entries).toContainEqual(
    expect.objectContaining({ level: 'warn', msg: 'sandbox event dropped: no sink registered (init not called)' }),
  );
});

test('waitForMessage resolves on a future bot message and refuses an unknown conversation', async () => {
  const { adapter } = make();
  const waiting = adapter.waitForMessage('leaders', (m) => m.from === 'bot' && m.text.includes('催办'), 1000);
  await adapter.send({ platform: 'sandbox', chatId: 'leaders' }, { text: '催办：请签收' });
  await expect(waiting).resolves.toMatchObject({ text: '催办：请签收' });
  expect(() => adapter.waitForMessage('nope', () => true)).toThrow(NotFoundError);
});

test('maxMessagesPerChat bounds each conversation and reset() clears all', async () => {
  const { adapter } = make({ max: 2 });
  for (const text of ['一', '二', '三']) await adapter.send({ platform: 'sandbox', chatId: 'leaders' }, { text });
  expect(adapter.messages('leaders').map((m) => m.text)).toEqual(['二', '三']);
  adapter.reset();
  expect(adapter.messages('leaders')).toEqual([]);
});
