/** `/帮助 [命令]` (`/help`): the command list, or one command's usage and example. */
import type { Bot, CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';

export function helpCommand(bot: Bot, botName: string): CommandDef {
  return {
    name: '帮助',
    aliases: ['help', '?', '？'],
    usage: '/帮助 [命令]',
    summary: '查看命令说明',
    help: '示例：/帮助 上报',
    readOnly: true,
    async run(ctx) {
      const want = ctx.tokens[0];
      if (want) {
        const def = bot.find(want);
        if (!def) throw new UsageError(`没有命令“${want}”。发送 /帮助 查看全部命令。`);
        const aliases = def.aliases.map((a) => `/${a}`).join('、');
        await ctx.say(
          [`${def.usage}`, def.summary, ...(def.help ? [def.help] : []), ...(aliases ? [`别名：${aliases}`] : [])].join(
            '\n',
          ),
        );
        return;
      }
      await ctx.say(
        [
          `${botName}命令（编号可省略：本群只有一个相关事件时自动选中）：`,
          ...bot.commands().map((c) => `${c.usage}　${c.summary}`),
          '发送 /帮助 <命令> 查看示例，如 /帮助 上报',
        ].join('\n'),
      );
    },
  };
}
