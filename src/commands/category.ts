/** `/分类 <编号> <类别>` (`/category`): sets the category (domain.md "Categories", 001 school plan). */
import type { CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { target, type CommandDeps } from './shared.js';

const USAGE = '/分类 <编号> <类别>';

export function categoryCommand(deps: CommandDeps): CommandDef {
  const names = () =>
    deps.directory
      .categories()
      .map((c) => c.name)
      .join('、');
  return {
    name: '分类',
    aliases: ['category'],
    usage: USAGE,
    summary: '设置事件类别（决定处置方式）',
    help: `可用类别：${names()}\n示例：/分类 YQ-20261129-001 谣言`,
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, USAGE);
      const want = restTokens.join('');
      if (!want) throw new UsageError(`请写明类别。可用类别：${names()}`, USAGE);
      const c = deps.directory.findCategory(want);
      if (!c) throw new UsageError(`未知的类别：${want}。可用类别：${names()}`, USAGE);
      await deps.incidents.setCategory(ctx.actor, incident.id, c.id);
      await ctx.say(`${incident.id} 类别已设为“${c.name}”。${c.handling ? `\n处置要求：${c.handling}` : ''}`);
    },
  };
}
