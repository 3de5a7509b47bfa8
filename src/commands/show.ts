/**
 * `/查看 <编号> [全部]` (`/show`): the incident's summary, acknowledgements, deadlines, draft versions
 * and timeline (`全部`: the whole ledger, notices sent included; issue 10 item 6);
 * `/查看 <编号> 稿件|方案 [版本]`: one version's full text and its diff (issue 8).
 */
import type { CommandDef } from '../bot/Bot.js';
import { kindName } from '../domain/approvals/approval-messages.js';
import { NotFoundError, UsageError } from '../errors.js';
import { kindWord } from './approve.js';
import { renderVersion, versionsSection } from './render-drafts.js';
import { HIDDEN_LEDGER_KINDS, LEDGER_LINES, renderView } from './render.js';
import { target, type CommandDeps } from './shared.js';

const USAGE = '/查看 <编号> [全部|稿件|方案 [版本]]';

export function showCommand(deps: CommandDeps, now: () => Date): CommandDef {
  return {
    name: '查看',
    aliases: ['show'],
    usage: USAGE,
    readOnly: true,
    summary: '查看事件详情、时限、稿件版本和台账（默认最近 30 条，“全部”看完整台账；“稿件 [版本]”看全文及修改对比）',
    help: '示例：/查看 YQ-20261129-001 全部',
    async run(ctx) {
      const { incident, viewer, restTokens } = await target(ctx, deps, USAGE);
      const kind = kindWord(restTokens[0]);
      const mode = (restTokens[0] ?? '').toLowerCase();
      const all = mode === '全部' || mode === 'all';
      if (!kind && mode && !all)
        throw new UsageError(`“${restTokens[0]}”看不懂：/查看 后面可加“全部”“稿件”或“方案”。`, USAGE);
      if (!kind) {
        // the incident as resolved (not read again), the versions beside the view's reads, and
        // only the ledger lines shown unless 全部 (issue 15 item 2)
        const [view, versions] = await Promise.all([
          deps.incidents.view(viewer, incident, {
            ledgerTail: all ? undefined : { limit: LEDGER_LINES, hiddenKinds: HIDDEN_LEDGER_KINDS },
          }),
          deps.approvals.versions(incident.id),
        ]);
        const text = renderView(deps.directory, view, now(), { all });
        const section = versionsSection(deps.directory, incident, versions);
        // the versions go before the timeline (the timeline is the longest part)
        const at = text.indexOf('\n台账');
        await ctx.say(
          section.length === 0
            ? text
            : at < 0
              ? [text, ...section].join('\n')
              : [text.slice(0, at), ...section, text.slice(at + 1)].join('\n'),
        );
        return;
      }
      const versions = await deps.approvals.versions(incident.id);
      const ofKind = versions.filter((v) => v.kind === kind);
      if (ofKind.length === 0) throw new NotFoundError(`${incident.id} 还没有${kindName(kind, incident)}。`);
      const n = restTokens[1]?.replace(/^第|版$/g, '');
      if (n !== undefined && !/^\d{1,6}$/.test(n)) throw new UsageError(`版本号应为数字：${restTokens[1]}`, USAGE);
      const v = n === undefined ? ofKind[ofKind.length - 1] : ofKind.find((x) => x.version === Number(n));
      if (!v)
        throw new NotFoundError(`${incident.id} 没有第${n}版${kindName(kind, incident)}（共 ${ofKind.length} 版）。`);
      const previous = ofKind.filter((x) => x.version < v.version).pop();
      await ctx.say(renderVersion(deps.directory, incident, v, previous));
    },
  };
}
