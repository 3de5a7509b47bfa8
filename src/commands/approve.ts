/**
 * Decisions on drafts (issue 8): the 通过 / 驳回 card buttons, `/通过 <编号> [稿件|方案]`
 * (`/approve`) and `/驳回 <编号> [稿件|方案] <理由>` (`/reject`). Only the version's designated
 * approvers count (004 篇二); the first decision wins; every copy of the card then shows it.
 */
import type { ActionHandler, CommandContext, CommandDef } from '../bot/Bot.js';
import { ApprovalService, type DecideResult } from '../domain/approvals/ApprovalService.js';
import { approvalCardId, KIND_WORDS, kindName, parseApprovalKey } from '../domain/approvals/approval-messages.js';
import type { DraftKind } from '../domain/approvals/types.js';
import type { Directory } from '../domain/Directory.js';
import { UsageError } from '../errors.js';
import { target, type CommandDeps } from './shared.js';

/** Reads an optional kind word (`稿件`, `通稿`, `口径`, `方案`, `statement`, `plan`). */
export function kindWord(token: string | undefined): DraftKind | undefined {
  const t = (token ?? '').toLowerCase();
  if (['稿件', '通稿', '口径', '答复', 'statement', 'draft'].includes(t)) return 'statement';
  if (['方案', 'plan'].includes(t)) return 'plan';
  return undefined;
}

/** The Chinese reply to a decision attempt (the actor's view). */
export function decideReply(dir: Directory, r: DecideResult, actorName: string): string {
  const v = r.version;
  const what = `${r.incident.id} ${kindName(v.kind, r.incident)} 第${v.version}版`;
  switch (r.outcome) {
    case 'decided':
      return `${actorName} 已${v.state === 'approved' ? '通过' : '驳回'} ${what}。`;
    case 'not_approver':
      return r.own
        ? `${actorName}，您是 ${what} 的起草人，不能审批自己起草的稿件，操作无效。`
        : `${actorName}，您不是 ${what} 的审批人，操作无效。\n审批人（任一）：${v.approverIds.map((p) => dir.nameOf(p)).join('、')}`;
    case 'already':
      return `${what} 已由 ${dir.nameOf(v.decidedBy ?? '')} 于 ${v.decidedAt ? dir.formatShort(v.decidedAt) : ''} ${v.state === 'approved' ? '通过' : '驳回'}，以先作出的决定为准，您的操作未生效。`;
    case 'superseded':
      return `${what} 已被第${r.latest}版取代，此操作未生效。请审批第${r.latest}版：/查看 ${r.incident.id} ${KIND_WORDS[v.kind]} ${r.latest}`;
    case 'needs_reason':
      return `请写明驳回理由，发送：/驳回 ${r.incident.id} ${KIND_WORDS[v.kind]} <理由>\n理由将连同稿件退回起草人 ${dir.nameOf(v.authorId)}。`;
  }
}

async function answer(
  ctx: Pick<CommandContext, 'actor' | 'chat' | 'say' | 'refreshCard'>,
  deps: CommandDeps,
  r: DecideResult,
  update?: (card: import('../bot/types.js').Card) => Promise<void>,
): Promise<void> {
  if (r.outcome === 'decided') {
    if (update) await update(r.card);
    await ctx.refreshCard(r.card);
    // the decision notice already went to the incident's chat
    if (ctx.chat?.id === r.incident.chatId) return;
  } else if (update && (r.outcome === 'already' || r.outcome === 'superseded')) {
    // a stale copy of the card: show it as it stands now
    await update(await deps.approvals.cardOf(r.incident, r.version, r.outcome === 'superseded' ? r.latest : undefined));
  }
  await ctx.say(decideReply(deps.directory, r, ctx.actor.name));
}

/** Picks the kind a command means: the given word, else the only kind awaiting approval, else statements. */
async function pickKind(deps: CommandDeps, incidentId: string, word: DraftKind | undefined, usage: string) {
  if (word) return word;
  const kinds = ApprovalService.pendingKinds(await deps.approvals.versions(incidentId));
  if (kinds.length > 1) throw new UsageError('稿件和方案都在待审批，请写明“稿件”或“方案”。', usage);
  return kinds[0] ?? 'statement';
}

/** `/通过 <编号> [稿件|方案]` (`/approve`): approves the latest version. */
export function approveCommand(deps: CommandDeps): CommandDef {
  const usage = '/通过 <编号> [稿件|方案]';
  return {
    name: '通过',
    aliases: ['approve', '审批通过'],
    usage,
    summary: '审批人通过最新版本的稿件或方案（也可点卡片上的“通过”）',
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, usage);
      const kind = await pickKind(deps, incident.id, kindWord(restTokens[0]), usage);
      await answer(ctx, deps, await deps.approvals.decide(ctx.actor, incident.id, kind, undefined, 'approved', ''));
    },
  };
}

/** `/驳回 <编号> [稿件|方案] <理由>` (`/reject`): rejects the latest version with the reviewer's comment. */
export function rejectCommand(deps: CommandDeps): CommandDef {
  const usage = '/驳回 <编号> [稿件|方案] <理由>';
  return {
    name: '驳回',
    aliases: ['reject'],
    usage,
    summary: '审批人驳回最新版本并写明理由，退回起草人修改',
    async run(ctx) {
      const { incident, rest, restTokens } = await target(ctx, deps, usage);
      const word = kindWord(restTokens[0]);
      const kind = await pickKind(deps, incident.id, word, usage);
      const reason = (word ? rest.replace(/^\S+[\s\u3000]*/, '') : rest).trim();
      if (reason.length > 2000) throw new UsageError(`理由过长（${reason.length} 字），请控制在 2000 字以内。`, usage);
      await answer(ctx, deps, await deps.approvals.decide(ctx.actor, incident.id, kind, undefined, 'rejected', reason));
    },
  };
}

/** Handles clicks on `apv:<incidentId>:<kind>:<version>:<approve|reject>`; the clicked card is updated in place. */
export function approvalAction(deps: CommandDeps): ActionHandler {
  return async (ctx) => {
    const k = parseApprovalKey(ctx.arg);
    // the key must belong to the card it came from (a forged click cannot decide another version)
    if (!k || ctx.cardId !== approvalCardId(k.incidentId, k.kind, k.version)) {
      await ctx.say('该按钮与卡片不符，未作处理。请使用卡片上的按钮，或发送 /通过、/驳回 <编号>。');
      return;
    }
    const r = await deps.approvals.decide(
      ctx.actor,
      k.incidentId,
      k.kind,
      k.version,
      k.what === 'approve' ? 'approved' : 'rejected',
      '',
    );
    await answer(ctx, deps, r, (card) => ctx.updateCard(card));
  };
}
