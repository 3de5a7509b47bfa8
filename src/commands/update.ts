/** `/进展 <编号> <内容>` (`/update`): records progress in the ledger; the incident moves to 处置中. */
import type { CommandDef } from '../bot/Bot.js';
import { requireText, target, type CommandDeps } from './shared.js';

const USAGE = '/进展 <编号> <内容>';

export function updateCommand(deps: CommandDeps): CommandDef {
  return {
    name: '进展',
    aliases: ['update'],
    usage: USAGE,
    summary: '登记处置进展（写入台账）',
    help: '示例：/进展 YQ-20261129-001 已联系发帖人核实情况',
    async run(ctx) {
      const { incident, rest } = await target(ctx, deps, USAGE);
      const text = requireText(rest, '进展内容', USAGE);
      await deps.incidents.addUpdate(ctx.actor, incident.id, text);
      await ctx.say(`已登记 ${incident.id} 的进展。`);
    },
  };
}
