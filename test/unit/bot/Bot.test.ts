import pino from 'pino';
import { Bot, type ChatDirectory } from '../../../src/bot/Bot.js';
import type { InboundMessageEvent, OutboundMessage } from '../../../src/bot/types.js';

const directory: ChatDirectory = {
  chatByPlatformId: (_p, id) => (id === 'g1' || id === 'g2' ? { id, name: id, unit: 'u' } : undefined),
  personByPlatformId: (_p, id) => ({ id, name: id }),
  platformUserId: (_p, id) => id,
  nameOf: (id) => id,
};

function event(chatId: string, text: string, replies: string[]): InboundMessageEvent {
  return {
    type: 'message',
    platform: 'sandbox',
    eventId: `${chatId}-${text}`,
    chatId,
    userId: 'u1',
    at: 0,
    text,
    reply: async (m: OutboundMessage) => {
      replies.push(m.text);
    },
  };
}

test('events of one conversation are handled in arrival order; other conversations are not held up', async () => {
  const bot = new Bot({ directory, logger: pino({ level: 'silent' }), botName: '舆情助手' });
  let releaseSlow!: () => void;
  const slow = new Promise<void>((r) => {
    releaseSlow = r;
  });
  const order: string[] = [];
  bot.command({
    name: '慢',
    aliases: [],
    usage: '/慢',
    summary: '',
    run: async (ctx) => {
      await slow;
      order.push(`slow@${ctx.chat!.id}`);
    },
  });
  bot.command({
    name: '快',
    aliases: [],
    usage: '/快',
    summary: '',
    run: async (ctx) => {
      order.push(`fast@${ctx.chat!.id}`);
    },
  });
  const replies: string[] = [];
  const first = bot.processEvent(event('g1', '/慢', replies));
  const second = bot.processEvent(event('g1', '/快', replies));
  await bot.processEvent(event('g2', '/快', replies)); // another chat goes ahead
  expect(order).toEqual(['fast@g2']);
  releaseSlow();
  await Promise.all([first, second]);
  expect(order).toEqual(['fast@g2', 'slow@g1', 'fast@g1']);
});

test('an unknown command gets a Chinese hint; a failing command gets an apology and never throws', async () => {
  const bot = new Bot({ directory, logger: pino({ level: 'silent' }), botName: '舆情助手' });
  bot.command({
    name: '坏',
    aliases: [],
    usage: '/坏',
    summary: '',
    run: async () => {
      throw new Error('boom');
    },
  });
  const replies: string[] = [];
  await bot.processEvent(event('g1', '/不存在', replies));
  await bot.processEvent(event('g1', '/坏', replies));
  expect(replies[0]).toContain('未知命令：/不存在');
  expect(replies[1]).toContain('处理出错');
});
