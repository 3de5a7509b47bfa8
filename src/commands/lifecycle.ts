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
    /** An example (run by a test: it must be a real command, issue 10 item 7). */
    example: string;
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
    help: `示例：${spec.example}`,
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
    example: '/平息 YQ-20261129-001 转发量明显下降',
    apply: (ctx, id, note) => deps.incidents.calm(ctx.actor, id, note),
    reply: (id) => `${id} 已登记为趋于平息，办结后仍需关注后续走势。`,
  });
}

/**
 * `/办结 <编号> <总结> [确认]`: closes; open milestones are listed first and need the trailing
 * `确认` (`confirm`) to close anyway (issue 10 item 15).
 */
export function closeCommand(deps: CommandDeps, now: () => Date): CommandDef {
  const usage = '/办结 <编号> <处置总结> [确认]';
  return {
    name: '办结',
    aliases: ['close'],
    usage,
    summary: '办结事件（需写处置总结；有未完成的时限事项时需加“确认”）',
    help: '示例：/办结 YQ-20261129-001 已澄清事实，帖子已删除 确认',
    async run(ctx) {
      const { incident, rest } = await target(ctx, deps, usage);
      const confirmWord = /[\s\u3000]+(确认|confirm)$/i;
      const confirmed = confirmWord.test(rest.trim());
      const summary = requireText(rest.trim().replace(confirmWord, ''), '处置总结', usage);
      const r = await deps.incidents.close(ctx.actor, incident.id, summary, { confirmed });
      if (r.outcome === 'unconfirmed') {
        await ctx.say(
          [
            `${incident.id} 还有 ${r.unmet.length} 项时限未完成，办结后将不再催办：`,
            ...r.unmet.map(
              (m) => `· ${m.name}：${deps.directory.formatShort(m.dueAt)} 前${m.dueAt < now() ? '（已超时）' : ''}`,
            ),
            '确认办结请发送：',
            `/办结 ${incident.id} ${summary} 确认`,
          ].join('\n'),
        );
        return;
      }
      await ctx.say(
        `${incident.id} 已办结${r.unmet.length ? `（未完成事项 ${r.unmet.length} 项已记入台账）` : ''}。请在规定时限内提交处置报告，办结后仍需关注舆情走势。`,
      );
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
    help: '示例：/重开 YQ-20261129-001',
    async run(ctx) {
      const { incident } = await target(ctx, deps, usage, (i) => i.status === 'closed');
      await deps.incidents.reopen(ctx.actor, incident.id);
      await ctx.say(`${incident.id} 已重新打开，状态为“处置中”。`);
    },
  };
}
