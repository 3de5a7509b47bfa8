/**
 * `/拟稿 <编号> <正文>` (`/draft`) submits a statement (通稿/口径; on an inquiry item the reply,
 * 001 "审定后统一回复") and `/方案 <编号> <内容>` (`/plan`) a handling plan for approval (issue 8;
 * domain.md "Approvals"). Each submission is a new version; its card goes to the approvers.
 */
import type { CommandContext, CommandDef } from '../bot/Bot.js';
import { fullTextCommand, kindName } from '../domain/approvals/approval-messages.js';
import type { DraftKind } from '../domain/approvals/types.js';
import { UsageError } from '../errors.js';
import { target, type CommandDeps } from './shared.js';

/** Longest draft accepted, in characters (a statement or plan, not a report). */
const MAX_DRAFT = 5000;

async function submit(ctx: CommandContext, deps: CommandDeps, kind: DraftKind, usage: string): Promise<void> {
  const { incident, rest } = await target(ctx, deps, usage);
  const text = rest.trim();
  if (!text) throw new UsageError(`请写明${kindName(kind, incident)}全文。`, usage);
  if ([...text].length > MAX_DRAFT)
    throw new UsageError(`内容过长（${[...text].length} 字），请控制在 ${MAX_DRAFT} 字以内。`, usage);
  // the card is queued for the incident's chat (delivered as this reply when sent from there) and its approvers
  const r = await deps.approvals.submit(ctx.actor, incident.id, kind, text);
  for (const card of r.supersededCards) await ctx.refreshCard(card);
  const v = r.version;
  const lines = [
    `已提交 ${incident.id} ${kindName(kind, r.incident)} 第${v.version}版，等待 ${v.approverIds.map((p) => deps.directory.nameOf(p)).join('、')} 任一人审批。`,
  ];
  if (r.supersededCards.length) lines.push(`此前待审的版本已作废。`);
  if (ctx.chat?.id !== r.incident.chatId) lines.push(`审批卡片已发到事件所在群和审批人。全文：${fullTextCommand(v)}`);
  await ctx.say(lines.join('\n'));
}

/** `/拟稿` (`/draft`, `/稿件`): a statement version. */
export function draftCommand(deps: CommandDeps): CommandDef {
  const usage = '/拟稿 <编号> <通稿或口径全文>';
  return {
    name: '拟稿',
    aliases: ['draft', '口径', '通稿'],
    usage,
    summary: '提交通稿/口径（询问类事件为答复口径）送审，每次提交为新版本',
    help: '例如：/拟稿 YQ-20261129-001 关于网民反映低保审核问题的情况说明……\n修改后再次发送即为新版本，需重新审批。',
    run: (ctx) => submit(ctx, deps, 'statement', usage),
  };
}

/** `/方案` (`/plan`): a handling-plan version. */
export function planCommand(deps: CommandDeps): CommandDef {
  const usage = '/方案 <编号> <处置方案内容>';
  return {
    name: '方案',
    aliases: ['plan'],
    usage,
    summary: '提交处置方案送审（“处置方案…报相关领导审批”），每次提交为新版本',
    run: (ctx) => submit(ctx, deps, 'plan', usage),
  };
}
