/**
 * `/完成 <编号> <事项> [说明]` (`/done`): marks a milestone met by hand (issue 4) — steps done
 * outside the bot (a phone report upward, a meeting) and those whose own commands come later.
 * `/完成 <编号> 签收` acknowledges (same as `/签收`).
 */
import type { CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { ackReply } from './ack.js';
import { optionalText, target, type CommandDeps } from './shared.js';

const USAGE = '/完成 <编号> <事项> [说明]';

export function doneCommand(deps: CommandDeps): CommandDef {
  const names = () =>
    deps.directory
      .milestoneSpecs()
      .filter((m) => m.enabled)
      .map((m) => m.name)
      .join('、');
  return {
    name: '完成',
    aliases: ['done'],
    usage: USAGE,
    summary: '标记某项时限事项已完成（如已电话报告领导小组），停止催办',
    help: `事项名称：${names()}\n示例：/完成 YQ-20261129-001 报告领导小组 已电话报告王局长`,
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, USAGE);
      const what = restTokens[0];
      if (!what) throw new UsageError(`请写明完成的事项。可用事项：${names()}`, USAGE);
      const note = optionalText(restTokens.slice(1).join(' '), '说明', USAGE);
      if (what === '签收' || what.toLowerCase() === 'ack') {
        const r = await deps.incidents.acknowledge(ctx.actor, incident.id);
        if (r.outcome === 'acknowledged' && r.card) await ctx.refreshCard(r.card);
        await ctx.say(ackReply(r, ctx.actor.name));
        return;
      }
      const { name } = await deps.milestones.milestoneDone(ctx.actor, incident.id, what, note);
      await ctx.say(`${incident.id}「${name}」已标记完成，相关提醒和催办已停止。`);
    },
  };
}
