/**
 * `/重发 <消息编号|全部>` (`/resend`): puts failed messages (dead letters, issue 14) back in the
 * delivery queue. The numbers are shown by `/查看` (“发送失败 … 消息编号”) and `/healthz`.
 */
import type { CommandDef } from '../bot/Bot.js';
import type { DeliveryService } from '../domain/DeliveryService.js';
import { UsageError } from '../errors.js';

const USAGE = '/重发 <消息编号|全部>';

/** The `/重发` command. */
export function resendCommand(delivery: DeliveryService): CommandDef {
  return {
    name: '重发',
    aliases: ['resend'],
    usage: USAGE,
    summary: '重新发送发送失败的消息（管理员）',
    help: '消息编号见 /查看 <事件编号> 的“消息”一行；“全部”重发所有失败的消息。\n示例：/重发 全部',
    async run(ctx) {
      const arg = (ctx.tokens[0] ?? '').toLowerCase();
      if (arg === '全部' || arg === 'all') {
        const n = await delivery.resend(ctx.actor, 'all');
        await ctx.say(n ? `已将 ${n} 条发送失败的消息重新排队发送。` : '当前无发送失败的消息，无需重发。');
        return;
      }
      if (!/^\d{1,15}$/.test(arg)) throw new UsageError('请写明消息编号（数字）或“全部”。', USAGE);
      await delivery.resend(ctx.actor, Number(arg));
      await ctx.say(`消息 ${arg} 已重新排队发送。`);
    },
  };
}
