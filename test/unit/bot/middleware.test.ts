/**
 * The hub's middleware, each step through a real `Bot` fed by a fake adapter (issue 7 item 4,
 * bolt-js middleware/builtin.ts style), plus `compose` itself.
 */
import pino from 'pino';
import { Bot, type ChatDirectory } from '../../../src/bot/Bot.js';
import { compose, type HubContext, recentEvents, unboundChatText } from '../../../src/bot/middleware.js';
import type { PlatformName } from '../../../src/bot/types.js';
import { FakeAdapter } from '../../fakes/FakeAdapter.js';

const directory: ChatDirectory = {
  chatByPlatformId: (_p, id) => (id === 'g1' ? { id: 'relief', name: '社会救助股工作群', unit: 'relief' } : undefined),
  personByPlatformId: (_p, id) => (id === 'u1' ? { id: 'liuyang', name: '刘洋' } : undefined),
  platformUserId: (_p, id) => id,
  nameOf: (id) => id,
};

/** A bot with a `/谁` command that answers with the resolved chat and actor. */
function setup(
  platform: PlatformName = 'wecom',
  extra: { selfUserIds?: Partial<Record<PlatformName, string[]>>; dedupe?: boolean } = {},
) {
  const bot = new Bot({
    directory,
    logger: pino({ level: 'silent' }),
    botName: '舆情助手',
    selfUserIds: extra.selfUserIds,
    dedupe: extra.dedupe ? recentEvents(10) : undefined,
  });
  bot.command({
    name: '谁',
    aliases: ['who'],
    usage: '/谁',
    summary: '',
    run: async (ctx) => ctx.say(`${ctx.chat?.id ?? '私聊'}|${ctx.actor.id}|${ctx.actor.personId}|${ctx.actor.name}`),
  });
  const adapter = new FakeAdapter(platform);
  bot.attach(adapter);
  return { bot, adapter };
}

test('ignoreSelf: events from the bot’s own user id get no answer', async () => {
  const { adapter } = setup('wecom', { selfUserIds: { wecom: ['BOT'] } });
  await adapter.emit({ text: '/谁', userId: 'BOT' });
  await adapter.emit({ text: '/谁', userId: 'u1' });
  expect(adapter.texts()).toEqual(['relief|liuyang|liuyang|刘洋']);
});

test('dedupe: the same (platform, eventId) is handled once when the hub dedupes', async () => {
  const { adapter } = setup('wecom', { dedupe: true });
  await adapter.emit({ text: '/谁', eventId: 'm1' });
  await adapter.emit({ text: '/谁', eventId: 'm1' });
  await adapter.emit({ text: '/谁', eventId: 'm2' });
  expect(adapter.texts()).toHaveLength(2);
});

test('resolveChat and resolveActor: the config chat and person, or null chat (1:1) and an unmapped sender', async () => {
  const { adapter } = setup();
  await adapter.emit({ text: '/谁', chatId: undefined });
  await adapter.emit({ text: '/who', userId: 'lisi', userName: '李四' });
  expect(adapter.texts()).toEqual(['私聊|liuyang|liuyang|刘洋', 'relief|wecom:lisi|null|李四']);
});

test('answerUnboundChat: a group not bound in the config gets how to bind it, on every platform', async () => {
  const { adapter } = setup('wecom');
  await adapter.emit({ text: '/谁', chatId: 'wrUnknown' });
  await adapter.emit({ text: '你好', chatId: 'wrUnknown' });
  expect(adapter.texts()).toEqual([
    unboundChatText('wecom', 'wrUnknown', '舆情助手'),
    unboundChatText('wecom', 'wrUnknown', '舆情助手'),
  ]);
  expect(adapter.texts()[0]).toContain('wecomChatId: "wrUnknown"');
});

test('ignoreSandboxChatter: in the sandbox, non-commands are ignored unless they @-mention first in a bound chat', async () => {
  const { adapter } = setup('sandbox');
  await adapter.emit({ text: '大家好' }); // people talking among themselves
  await adapter.emit({ text: '大家好', chatId: 'unbound' });
  await adapter.emit({ text: '@舆情助手 帮我看看', chatId: 'unbound' });
  expect(adapter.texts()).toEqual([]);
  await adapter.emit({ text: '@舆情助手 帮我看看' });
  expect(adapter.texts()[0]).toContain('请以“/”开头输入命令');
  await adapter.emit({ text: '/谁', chatId: 'unbound' });
  expect(adapter.texts()[1]).toBe(unboundChatText('sandbox', 'unbound', '舆情助手'));
});

test('on WeCom every message reaching the bot is addressed to it: a non-command gets the hint', async () => {
  const { adapter } = setup('wecom');
  await adapter.emit({ text: '在吗' });
  expect(adapter.texts()[0]).toContain('请以“/”开头输入命令');
});

test('compose runs steps in order, stops where a step does not call next, and refuses next() twice', async () => {
  const seen: string[] = [];
  const ctx = { event: {} } as HubContext;
  await compose(
    [
      async (_c, next) => {
        seen.push('a');
        await next();
      },
      async () => {
        seen.push('stop');
      },
    ],
    async () => {
      seen.push('last');
    },
  )(ctx);
  expect(seen).toEqual(['a', 'stop']);
  const twice = compose(
    [
      async (_c, next) => {
        await next();
        await next();
      },
    ],
    async () => {},
  );
  await expect(twice(ctx)).rejects.toThrow('next() twice');
});
