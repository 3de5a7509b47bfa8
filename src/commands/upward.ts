/**
 * `/报告 <编号> <预警|特报|结案|总结>` (`/draft`, issue 9 item 3): drafts an upward report from the
 * ledger with the sections domain.md names (config `upwardReports[]`), for the office to copy and
 * send. `/报告 <编号> <类型> 已报送 [说明]` records that it was sent; where the type is a milestone
 * (预警报告, 特报上级, 处置报告, 总结评估) this meets it (`MilestoneService.milestoneDone`, whose
 * rules decide who may).
 */
import type { CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { findUpwardType, upwardDraft } from '../reports/upward.js';
import { commandViewer, optionalText, target, type CommandDeps } from './shared.js';

const USAGE = '/报告 <编号> <预警|特报|结案|总结> [已报送 说明]';
const SENT = ['已报送', '已上报', '已报', 'sent'];

export function upwardCommand(deps: CommandDeps, now: () => Date): CommandDef {
  const types = () =>
    deps.directory
      .reportSettings()
      .upwardReports.map((t) => t.aliases[0] ?? t.name)
      .join('|');
  return {
    name: '报告',
    aliases: ['upward'],
    usage: USAGE,
    summary: '生成上报材料草稿（预警、特报、结案、总结），报送后登记“已报送”',
    help: '报送后登记：/报告 <编号> 预警 已报送 已报县委网信办\n示例：/报告 YQ-20261129-001 预警',
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, USAGE, () => true);
      const [typeWord, sentWord, ...note] = restTokens;
      if (!typeWord) throw new UsageError(`请写明报告类型：${types()}。`, USAGE);
      const def = findUpwardType(deps.directory, typeWord);
      if (!def) throw new UsageError(`没有“${typeWord}”这种报告。可用类型：${types()}。`, USAGE);
      if (!sentWord) {
        await ctx.say(
          upwardDraft(deps.directory, await deps.incidents.view(commandViewer(ctx), incident.id), def, now()),
        );
        return;
      }
      if (!SENT.includes(sentWord.toLowerCase()))
        throw new UsageError(`第三项应为“已报送”，收到：${sentWord}。`, USAGE);
      const text = optionalText(note.join(' '), '说明', USAGE);
      const open = (await deps.incidents.view(commandViewer(ctx), incident.id)).milestones.find(
        (m) => m.state === 'open' && def.milestone !== undefined && m.key.split(':')[0] === def.milestone,
      );
      if (open)
        await deps.milestones.milestoneDone(
          ctx.actor,
          incident.id,
          open.key,
          `已报送${def.name}${text ? `：${text}` : ''}`,
        );
      await deps.reports.recordSubmission(ctx.actor, incident.id, def.id, text, now());
      await ctx.say(
        `${incident.id}「${def.name}」已登记报送${open ? `，时限事项「${open.name}」已完成` : ''}。${text ? `\n说明：${text}` : ''}`,
      );
    },
  };
}
