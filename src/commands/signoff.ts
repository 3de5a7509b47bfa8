/**
 * `/外部确认 <编号> [稿件|方案] <机构> <意见>` (`/signoff`): the office records the upper authority's
 * sign-off (004 篇二: 特别重大/重大或较大 items consult it); `/法务审核 <编号> [稿件|方案] <意见>`
 * (`/legal`): a configured legal reviewer records a legal review (003). Issue 8.
 */
import type { CommandDef } from '../bot/Bot.js';
import { kindName } from '../domain/approvals/approval-messages.js';
import { UsageError } from '../errors.js';
import { kindWord } from './approve.js';
import { target, type CommandDeps } from './shared.js';

function done(id: string, what: string, stillNeeded: string[]): string {
  return stillNeeded.length
    ? `已登记 ${id} ${what}。发布前还需：${stillNeeded.join('、')}。`
    : `已登记 ${id} ${what}。`;
}

export function externalSignOffCommand(deps: CommandDeps): CommandDef {
  const usage = '/外部确认 <编号> [稿件|方案] <机构> <意见>';
  return {
    name: '外部确认',
    aliases: ['signoff', '上级确认'],
    usage,
    summary: '办公室登记上级主管部门对稿件的确认意见（特别重大、重大或较大事件发布前须有）',
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, usage);
      const kind = kindWord(restTokens[0]);
      const tokens = kind ? restTokens.slice(1) : restTokens;
      const [body, ...opinion] = tokens;
      if (!body || opinion.length === 0) throw new UsageError('请写明确认的机构和意见。', usage);
      const text = opinion.join(' ');
      if (text.length > 2000) throw new UsageError(`意见过长（${text.length} 字），请控制在 2000 字以内。`, usage);
      const r = await deps.approvals.signOff(ctx.actor, incident.id, kind ?? 'statement', 'external', body, text);
      await ctx.say(
        done(
          incident.id,
          `${kindName(r.version.kind, r.incident)} 第${r.version.version}版的外部确认（${body}）`,
          r.stillNeeded,
        ),
      );
    },
  };
}

export function legalReviewCommand(deps: CommandDeps): CommandDef {
  const usage = '/法务审核 <编号> [稿件|方案] <意见>';
  return {
    name: '法务审核',
    aliases: ['legal'],
    usage,
    summary: '法务人员登记对稿件的审核意见（配置了法务审核时发布前须有）',
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, usage);
      const kind = kindWord(restTokens[0]);
      const text = (kind ? restTokens.slice(1) : restTokens).join(' ');
      if (!text) throw new UsageError('请写明审核意见。', usage);
      if (text.length > 2000) throw new UsageError(`意见过长（${text.length} 字），请控制在 2000 字以内。`, usage);
      const r = await deps.approvals.signOff(
        ctx.actor,
        incident.id,
        kind ?? 'statement',
        'legal',
        ctx.actor.name,
        text,
      );
      await ctx.say(
        done(incident.id, `${kindName(r.version.kind, r.incident)} 第${r.version.version}版的法务审核`, r.stillNeeded),
      );
    },
  };
}
