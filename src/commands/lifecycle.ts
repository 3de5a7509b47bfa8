/**
 * Status commands of the handling flow (domain.md "The handling flow"): `/发布` (response
 * published), `/平息` (calming down), `/办结` (close with summary), `/重开` (reopen).
 */
import type { CommandContext, CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { optionalText, requireText, target, type CommandDeps } from './shared.js';

/** A status command `/<name> <编号> [说明]` that calls one service transition and confirms. */
function statusCommand(
  deps: CommandDeps,
  spec: {
    name: string;
    alias: string;
    summary: string;
    reply: (id: string) => string;
    apply: (ctx: CommandContext, id: string, note: string) => Promise<unknown>;
  },
): CommandDef {
  const usage = `/${spec.name} <编号> [说明]`;
  return {
    name: spec.name,
    aliases: [spec.alias],
    usage,
    summary: spec.summary,
    async run(ctx) {
      const { incident, rest } = await target(ctx, deps, usage);
      await spec.apply(ctx, incident.id, optionalText(rest, '说明', usage));
      await ctx.say(spec.reply(incident.id));
    },
  };
}

/**
 * `/发布 <编号> <链接> [说明]` (`/publish`): the response was published at `<链接>`. Refused until
 * the current statement version is approved and signed off where required (issue 8, 000 L1).
 */
export function publishCommand(deps: CommandDeps): CommandDef {
  const usage = '/发布 <编号> <发布链接> [说明]';
  return {
    name: '发布',
    aliases: ['publish'],
    usage,
    summary: '登记已按审批通过的口径公开回应（需附发布链接；状态改为“已回应”）',
    async run(ctx) {
      const { incident, rest } = await target(ctx, deps, usage);
      const [link = '', ...more] = rest.trim().split(/[\s\u3000]+/);
      if (!/^https?:\/\/\S+$/i.test(link))
        throw new UsageError(
          '请附上发布的链接（以 http:// 或 https:// 开头），例如：/发布 YQ-20261129-001 https://…',
          usage,
        );
      if (link.length > 2000) throw new UsageError('链接过长，请控制在 2000 字以内。', usage);
      await deps.incidents.publish(ctx.actor, incident.id, optionalText(more.join(' '), '说明', usage), link);
      await ctx.say(`${incident.id} 已登记公开回应（已记录发布链接和所发稿件的校验值），请持续跟踪引导。`);
    },
  };
}

export function calmCommand(deps: CommandDeps): CommandDef {
  return statusCommand(deps, {
    name: '平息',
    alias: 'calm',
    summary: '登记舆情趋于平息（状态改为“趋于平息”）',
    apply: (ctx, id, note) => deps.incidents.calm(ctx.actor, id, note),
    reply: (id) => `${id} 已登记为趋于平息，办结后仍需关注后续走势。`,
  });
}

export function closeCommand(deps: CommandDeps): CommandDef {
  const usage = '/办结 <编号> <处置总结>';
  return {
    name: '办结',
    aliases: ['close'],
    usage,
    summary: '办结事件（需写处置总结）',
    async run(ctx) {
      const { incident, rest } = await target(ctx, deps, usage);
      const summary = requireText(rest, '处置总结', usage);
      await deps.incidents.close(ctx.actor, incident.id, summary);
      await ctx.say(`${incident.id} 已办结。请在规定时限内提交处置报告，办结后仍需关注舆情走势。`);
    },
  };
}

export function reopenCommand(deps: CommandDeps): CommandDef {
  const usage = '/重开 <编号>';
  return {
    name: '重开',
    aliases: ['reopen'],
    usage,
    summary: '重新打开已办结的事件',
    async run(ctx) {
      const { incident } = await target(ctx, deps, usage, (i) => i.status === 'closed');
      await deps.incidents.reopen(ctx.actor, incident.id);
      await ctx.say(`${incident.id} 已重新打开，状态为“处置中”。`);
    },
  };
}
