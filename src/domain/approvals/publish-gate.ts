/**
 * The publish gate (issue 8 item 5; 000 L1 "敏感信息需经审批后方可发布"): what a statement version
 * still needs before it may be published, and what the ledger records of a publication. Pure.
 */
import { createHash } from 'node:crypto';
import { ConflictError } from '../../errors.js';
import type { Directory } from '../Directory.js';
import { effectiveLevel } from '../responsibility.js';
import type { Incident } from '../types.js';
import { kindName } from './approval-messages.js';
import { approvalRule } from './approvers.js';
import type { DraftVersion, SignOff } from './types.js';

/** SHA-256 (hex) of a text's UTF-8 bytes: what the ledger records of the exact approved text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The current version of one kind: the latest that was not superseded. */
export function currentVersion(vs: DraftVersion[]): DraftVersion | undefined {
  return vs.filter((v) => v.state !== 'superseded').sort((a, b) => b.version - a.version)[0];
}

/**
 * What a statement version still needs before publishing, in Chinese: the external sign-off (its
 * snapshot, or the rule at the incident's current level after a raise; 004 篇二) and the legal
 * review where required (003). Plans need neither here.
 */
export function stillNeeded(dir: Directory, v: DraftVersion, signOffs: SignOff[], incident: Incident): string[] {
  if (v.kind !== 'statement') return [];
  const now = approvalRule(dir.approvalRules(), v.kind, effectiveLevel(incident), incident.category);
  const out: string[] = [];
  if ((v.externalRequired || now.externalSignOff) && !signOffs.some((s) => s.type === 'external'))
    out.push(`外部确认（${dir.upperAuthorityName()}）`);
  if ((v.legalRequired || now.legalReview) && !signOffs.some((s) => s.type === 'legal')) out.push('法务审核');
  return out;
}

/**
 * Checks the current statement version `v` (with its sign-offs): it must exist, be approved,
 * be signed off where required, and its text must still hash to what was approved. Returns what
 * the ledger records of the publication (version, SHA-256 of the exact approved text, approver,
 * sign-offs).
 * @throws ConflictError with a Chinese message saying what is missing.
 */
export function publishRecord(
  dir: Directory,
  incident: Incident,
  v: DraftVersion | undefined,
  signOffs: SignOff[],
): Record<string, unknown> {
  const id = incident.id;
  const name = kindName('statement', incident);
  if (!v)
    throw new ConflictError(`${id} 还没有${name}，不能发布。请先 /拟稿 ${id} <全文> 提交审批，审批通过后再发布。`);
  if (v.state === 'pending')
    throw new ConflictError(
      `${id} 的${name}第${v.version}版尚待审批（${v.approverIds.map((p) => dir.nameOf(p)).join('、')} 任一人），审批通过后才能发布。`,
    );
  if (v.state === 'rejected')
    throw new ConflictError(
      `${id} 的${name}第${v.version}版已被驳回（${v.reason ?? ''}），请修改后重新 /拟稿 ${id} 并经审批。`,
    );
  const missing = stillNeeded(dir, v, signOffs, incident);
  if (missing.length)
    throw new ConflictError(
      `${id} 的${name}第${v.version}版已通过，但发布前还需：${missing.join('、')}。` +
        (missing.some((m) => m.startsWith('外部确认'))
          ? `\n由办公室登记：/外部确认 ${id} <机构> <意见>`
          : `\n由法务登记：/法务审核 ${id} <意见>`),
    );
  const hash = sha256(v.text);
  if (hash !== v.textSha256)
    throw new ConflictError(`${id} 的${name}第${v.version}版内容与审批时不一致，请重新提交审批。`);
  return {
    version: v.version,
    sha256: hash,
    approvedBy: v.decidedBy,
    approvedAt: v.decidedAt?.toISOString() ?? null,
    signOffs: signOffs.map((s) => ({ type: s.type, body: s.body, opinion: s.opinion, at: s.at.toISOString() })),
  };
}
