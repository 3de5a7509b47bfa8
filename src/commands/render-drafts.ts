/**
 * Chinese rendering of draft versions (issue 8): the version list in `/查看`, one version's full
 * text with its diff against the previous version (the `diff` library), and `/列表 待审批` lines.
 */
import { diffChars } from 'diff';
import { kindName } from '../domain/approvals/approval-messages.js';
import type { VersionView } from '../domain/approvals/ApprovalService.js';
import { formatSpan } from '../domain/deadlines/chase-messages.js';
import type { DraftVersion } from '../domain/approvals/types.js';
import { VERSION_STATE_NAMES } from '../domain/approvals/types.js';
import type { Directory } from '../domain/Directory.js';
import type { Incident } from '../domain/types.js';

/** Unchanged runs longer than this are elided in a diff (characters kept at each end: a third of it). */
const KEEP_UNCHANGED = 30;

/** One line per version: `· 通稿/口径 第2版｜张敏 11-29 10:05｜已通过（王建国 11-29 10:20）`. */
export function versionLine(dir: Directory, i: Incident, v: VersionView): string {
  const decided =
    v.state === 'approved' || v.state === 'rejected'
      ? `（${dir.nameOf(v.decidedBy ?? '')} ${v.decidedAt ? dir.formatShort(v.decidedAt) : ''}${v.reason ? `：${v.reason}` : ''}）`
      : '';
  const signed = v.signOffs.map((s) => (s.type === 'external' ? `外部确认：${s.body}` : '法务已审')).join('，');
  return `· ${kindName(v.kind, i)} 第${v.version}版｜${dir.nameOf(v.authorId)} ${dir.formatShort(v.submittedAt)}｜${VERSION_STATE_NAMES[v.state]}${decided}${signed ? `｜${signed}` : ''}`;
}

/** The versions section of `/查看` (empty when there are none). */
export function versionsSection(dir: Directory, i: Incident, vs: VersionView[]): string[] {
  if (vs.length === 0) return [];
  return ['稿件与方案：', ...vs.map((v) => versionLine(dir, i, v)), `全文及修改对比：/查看 ${i.id} 稿件 [版本]`];
}

/**
 * A character diff of two versions for a phone: insertions as `【+…】`, deletions as `【-…】`,
 * long unchanged runs shortened to their ends around `…`.
 */
export function renderDiff(before: string, after: string): string {
  const keep = Math.floor(KEEP_UNCHANGED / 3);
  return diffChars(before, after)
    .map((p) => {
      if (p.added) return `【+${p.value}】`;
      if (p.removed) return `【-${p.value}】`;
      const chars = [...p.value];
      return chars.length > KEEP_UNCHANGED
        ? `${chars.slice(0, keep).join('')}…${chars.slice(-keep).join('')}`
        : p.value;
    })
    .join('');
}

/** `/查看 <编号> 稿件 [版本]`: the version's state, full text and its changes against the previous version. */
export function renderVersion(dir: Directory, i: Incident, v: VersionView, previous: DraftVersion | undefined): string {
  const lines = [
    `**${i.id}** ${kindName(v.kind, i)} 第${v.version}版`,
    versionLine(dir, i, v).slice(2),
    `SHA-256：${v.textSha256.slice(0, 16)}…`,
    '全文：',
    v.text,
  ];
  if (previous) lines.push(`与第${previous.version}版相比（【+新增】【-删除】）：`, renderDiff(previous.text, v.text));
  else lines.push('（首版，无修改对比）');
  return lines.join('\n');
}

/** One `/列表 待审批` line: id, kind, version, author, age, approvers. */
export function pendingLine(dir: Directory, i: Incident, v: DraftVersion, now: Date): string {
  return `· ${i.id}｜${kindName(v.kind, i)} 第${v.version}版｜${dir.nameOf(v.authorId)} 提交，已等 ${formatSpan(now.getTime() - v.submittedAt.getTime())}｜审批人：${v.approverIds.map((p) => dir.nameOf(p)).join('、')}`;
}
