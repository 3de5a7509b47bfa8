/**
 * Chinese texts and cards of approvals (issue 8), composed inside the transaction so that the
 * ledger records exactly what was sent. Mentions are `@{personId}` tokens (see `Notice`).
 */
import type { Directory } from '../Directory.js';
import { levelLabel } from '../messages.js';
import type { CardSpec, Notice } from '../ports.js';
import type { Incident } from '../types.js';
import { type DraftKind, type DraftVersion, KIND_NAMES, VERSION_STATE_NAMES } from './types.js';

/** The word for a kind in commands (`/查看 <编号> 稿件|方案`, `/驳回 <编号> [方案] <理由>`). */
export const KIND_WORDS: Record<DraftKind, string> = { statement: '稿件', plan: '方案' };

/** What a statement is called: inquiry items get a reply (答复口径; 001 "审定后统一回复"). */
export function kindName(kind: DraftKind, i: Pick<Incident, 'category'>): string {
  return kind === 'statement' && i.category === 'inquiry' ? '答复口径' : KIND_NAMES[kind];
}

/** Card id of a version's approval card (also WeCom task_id: [0-9A-Za-z_-@]). */
export function approvalCardId(incidentId: string, kind: DraftKind, version: number): string {
  return `apv-${incidentId}-${kind}-${version}`;
}

/** Button key on an approval card: `apv:<incidentId>:<kind>:<version>:<approve|reject>`. */
export function approvalKey(incidentId: string, kind: DraftKind, version: number, what: 'approve' | 'reject'): string {
  return `apv:${incidentId}:${kind}:${version}:${what}`;
}

/** Parses the part of an approval key after `apv:`; undefined when malformed. */
export function parseApprovalKey(
  arg: string,
): { incidentId: string; kind: DraftKind; version: number; what: 'approve' | 'reject' } | undefined {
  const m = /^(YQ-\d{8}-\d{3,}):(statement|plan):(\d{1,6}):(approve|reject)$/.exec(arg);
  if (!m) return undefined;
  return { incidentId: m[1], kind: m[2] as DraftKind, version: Number(m[3]), what: m[4] as 'approve' | 'reject' };
}

/** The first `max` characters (code points) of a text, with a pointer to the full text when cut. */
export function shortened(text: string, max: number, pointer: string): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…\n（全文：${pointer}）`;
}

/** `/查看 <编号> 稿件 <版本>`: where the full text of a version is. */
export function fullTextCommand(v: Pick<DraftVersion, 'incidentId' | 'kind' | 'version'>): string {
  return `/查看 ${v.incidentId} ${KIND_WORDS[v.kind]} ${v.version}`;
}

const names = (dir: Directory, ids: string[]) => ids.map((p) => dir.nameOf(p)).join('、');

/**
 * The approval card of a version: version, level, author, the (shortened) text, approvers and the
 * deadline; 通过 / 驳回 buttons while pending, else outcome, who decided and when, without buttons.
 */
export function approvalCard(
  dir: Directory,
  i: Incident,
  v: DraftVersion,
  opts: { dueAt: Date | null; supersededBy?: number },
): CardSpec {
  const what = `${kindName(v.kind, i)} 第${v.version}版`;
  const fields = [
    { label: '级别', value: levelLabel(dir, i) },
    { label: '起草人', value: `${dir.nameOf(v.authorId)} ${dir.formatShort(v.submittedAt)}` },
  ];
  let title: string;
  if (v.state === 'pending') {
    title = `${i.id} ${what} 待审批`;
    fields.push({ label: '审批人（任一）', value: names(dir, v.approverIds) });
    if (opts.dueAt) fields.push({ label: '审批时限', value: `${dir.formatShort(opts.dueAt)} 前` });
  } else if (v.state === 'superseded') {
    title = `${i.id} ${what} 已被第${opts.supersededBy ?? v.version + 1}版取代`;
  } else {
    title = `${i.id} ${what} ${VERSION_STATE_NAMES[v.state]}`;
    fields.push({
      label: v.state === 'approved' ? '审批通过' : '驳回',
      value: `${dir.nameOf(v.decidedBy ?? '')} ${v.decidedAt ? dir.formatShort(v.decidedAt) : ''}`.trim(),
    });
    if (v.reason) fields.push({ label: '理由', value: shortened(v.reason, 60, `/查看 ${i.id}`) });
  }
  const needs = [v.externalRequired ? '上级外部确认' : '', v.legalRequired ? '法务审核' : ''].filter(Boolean);
  if (needs.length && v.state !== 'superseded' && v.state !== 'rejected')
    fields.push({ label: '发布前还需', value: needs.join('、') });
  return {
    id: approvalCardId(i.id, v.kind, v.version),
    title,
    description: shortened(v.text, dir.approvalRules().cardTextChars, fullTextCommand(v)),
    fields: fields.slice(0, 6),
    buttons:
      v.state === 'pending'
        ? [
            { key: approvalKey(i.id, v.kind, v.version, 'approve'), text: '通过', style: 'primary' },
            { key: approvalKey(i.id, v.kind, v.version, 'reject'), text: '驳回', style: 'danger' },
          ]
        : [],
  };
}

/** The submission notice: to the incident's chat and 1:1 to each approver, with the card. */
export function submittedNotice(dir: Directory, i: Incident, v: DraftVersion, dueAt: Date | null): Notice {
  const lines = [
    `【待审批】${i.id} ${kindName(v.kind, i)} 第${v.version}版（${dir.nameOf(v.authorId)} 起草）`,
    `请 ${v.approverIds.map((p) => `@{${p}}`).join(' ')} 任一人审批：`,
    `点「通过」或「驳回」；也可发送 /通过 ${i.id} ${KIND_WORDS[v.kind]}，或 /驳回 ${i.id} ${KIND_WORDS[v.kind]} <理由>`,
  ];
  if (dueAt) lines.push(`审批时限：${dir.formatShort(dueAt)} 前`);
  lines.push(`全文：${fullTextCommand(v)}`);
  return {
    chatId: i.chatId,
    directTo: v.approverIds,
    cardDirect: true,
    mentions: v.approverIds,
    text: lines.join('\n'),
    card: approvalCard(dir, i, v, { dueAt }),
  };
}

/** The decision notice: approved → the author is told (and what publishing still needs); rejected → back to the author with the comment. */
export function decidedNotice(dir: Directory, i: Incident, v: DraftVersion, stillNeeded: string[]): Notice {
  const what = `${kindName(v.kind, i)} 第${v.version}版`;
  const who = `${dir.nameOf(v.decidedBy ?? '')}`;
  const text =
    v.state === 'approved'
      ? [
          `【已通过】${i.id} ${what}，${who} 审批通过。`,
          v.kind === 'statement'
            ? stillNeeded.length
              ? `@{${v.authorId}} 发布前还需：${stillNeeded.join('、')}。`
              : `@{${v.authorId}} 可按此稿发布，发布后发送 /发布 ${i.id} <链接>。`
            : `@{${v.authorId}} 请按方案组织处置。`,
        ].join('\n')
      : [
          `【已驳回】${i.id} ${what}，${who} 驳回。`,
          `理由：${v.reason ?? ''}`,
          `@{${v.authorId}} 请修改后重新提交：/${v.kind === 'plan' ? '方案' : '拟稿'} ${i.id} <修改后的全文>`,
        ].join('\n');
  return {
    chatId: i.chatId,
    directTo: v.state === 'rejected' ? [v.authorId] : [],
    mentions: [v.authorId],
    text,
  };
}
