/** `/列表 [全部|逾期|待审批]` (`/list`): incidents of this chat (the leadership group's chat sees all). */
import type { CommandDef } from '../bot/Bot.js';
import type { IncidentFilter } from '../domain/ports.js';
import { UsageError } from '../errors.js';
import { pendingLine } from './render-drafts.js';
import { incidentLine } from './render.js';
import { type CommandDeps, commandViewer } from './shared.js';

const USAGE = '/列表 [全部|逾期|待审批]';
const OPEN = ['reported', 'acknowledged', 'handling', 'responded', 'calming'] as const;

export function listCommand(deps: CommandDeps, now: () => Date): CommandDef {
  return {
    name: '列表',
    aliases: ['list'],
    usage: USAGE,
    readOnly: true,
    summary: '列出本群未办结的事件（“全部”含已办结，“逾期”只列超时的，“待审批”列待审稿件和方案）',
    help: '本群可见本单位及下属单位的事件，领导小组群可见全部。\n示例：/列表 逾期',
    async run(ctx) {
      const mode = (ctx.tokens[0] ?? '').toLowerCase();
      const scope: IncidentFilter = {};
      let filter: IncidentFilter;
      let title: string;
      if (mode === '' || mode === '未办结' || mode === 'open') {
        filter = { ...scope, statuses: [...OPEN] };
        title = '未办结事件';
      } else if (mode === '全部' || mode === 'all') {
        filter = scope;
        title = '全部事件';
      } else if (mode === '逾期' || mode === 'overdue') {
        filter = { ...scope, statuses: [...OPEN], overdueAt: now() };
        title = '逾期事件';
      } else if (mode === '待审批' || mode === 'pending') {
        const viewer = commandViewer(ctx);
        const lines: string[] = [];
        for (const p of await deps.approvals.pending()) {
          if (lines.length === 30) break;
          if (await deps.incidents.sees(viewer, p.incident))
            lines.push(pendingLine(deps.directory, p.incident, p.version, now()));
        }
        await ctx.say(
          lines.length
            ? [`待审批（${lines.length}${lines.length === 30 ? '+' : ''}，最早提交的在前）：`, ...lines].join('\n')
            : '待审批：当前没有提交审批的处置方案或通稿。',
        );
        return;
      } else throw new UsageError(`未知的列表类型：${ctx.tokens[0]}`, USAGE);
      // what this chat (or person, 1:1) may see: visibility.ts decides, the store filters
      const items = await deps.incidents.list(commandViewer(ctx), { ...filter, limit: 31 });
      const more = items.length > 30;
      if (more) items.pop();
      await ctx.say(
        items.length
          ? [
              `${title}（${items.length}${more ? '+' : ''}）：`,
              ...items.map((i) => incidentLine(deps.directory, i)),
            ].join('\n')
          : `${title}：无。`,
      );
    },
  };
}
