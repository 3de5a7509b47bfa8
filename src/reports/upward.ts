/**
 * Upward report drafts (`/报告 <编号> <类型>`, issue 9 item 3), from the incident's ledger, with the
 * sections domain.md "Reporting rhythm and report contents" names: upward report (002) event
 * summary, scope of impact, measures taken, next steps; early warning (000 L8) summary, risk
 * level, first advice; closure (000 L6) cause, effect of handling, improvements; 30-day summary
 * (000 L8) handling summary, improvement proposals, stakeholder feedback. Which type has which
 * sections is config (`upwardReports[]`). Pure; the office copies the text and sends it.
 */
import type { UpwardReportDef, UpwardSection } from '../config/schema.js';
import type { Directory } from '../domain/Directory.js';
import type { IncidentView } from '../domain/IncidentService.js';
import { effectiveLevel } from '../domain/responsibility.js';
import type { LedgerEntry } from '../domain/types.js';
import { formatMinutes } from './figures.js';

/** Chinese section titles. */
export const SECTION_TITLES: Record<UpwardSection, string> = {
  summary: '事件概要',
  scope: '影响范围',
  measures: '已采取措施',
  nextSteps: '下一步工作',
  riskLevel: '风险等级',
  advice: '初步建议',
  cause: '原因分析',
  effect: '处置效果',
  improvements: '整改措施',
  handlingSummary: '处置情况',
  proposals: '改进建议',
  feedback: '利益相关方反馈',
};

const FILL = '（请补充）';

/** Finds an upward report type by id, name or alias. */
export function findUpwardType(dir: Directory, q: string): UpwardReportDef | undefined {
  const s = q.trim().toLowerCase();
  return dir
    .reportSettings()
    .upwardReports.find((t) => [t.id, t.name, ...t.aliases].some((a) => a.toLowerCase() === s));
}

function firstAt(v: IncidentView, pred: (e: LedgerEntry) => boolean): Date | undefined {
  return v.ledger.find(pred)?.at;
}

function statusAtLedger(v: IncidentView, to: string): Date | undefined {
  return firstAt(v, (e) => e.kind === 'incident.status_changed' && e.payload.to === to);
}

/** The lines of one section. */
function section(dir: Directory, v: IncidentView, s: UpwardSection, now: Date): string[] {
  const i = v.incident;
  const t = (d: Date) => dir.formatShort(d);
  const level = effectiveLevel(i);
  const levelName = `${dir.level(level)?.name ?? level}（${level}）${i.confirmedLevel ? '' : '，待确认'}`;
  const category = i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类';
  const unit = dir.unit(i.unitId)?.name ?? i.unitId;
  const notes = v.ledger.filter((e) => e.kind === 'incident.note').map((e) => String(e.payload.text ?? ''));
  const published = statusAtLedger(v, 'responded');
  const calmed = statusAtLedger(v, 'calming');
  const closed = v.ledger.filter((e) => e.kind === 'incident.closed').at(-1);
  const feedback = v.ledger.filter((e) => e.kind === 'incident.feedback');
  const breaches = v.breaches.map((b) => {
    const name = v.milestones.find((m) => m.key === b.milestoneKey)?.name ?? b.milestoneKey;
    return `${name}超时（${b.grade === 'major' ? '重大违约' : '轻微违约'}）`;
  });
  switch (s) {
    case 'summary':
      return [
        `${t(i.foundAt)} 发现：${i.title}`,
        `涉及单位：${unit}`,
        `来源：${i.sourceType === 'assigned' ? '上级交办' : '自查'}${i.sourceUrl ? ` ${i.sourceUrl}` : ''}`,
        ...(i.description !== i.title ? [`内容：${i.description}`] : []),
      ];
    case 'scope':
      return [`级别：${levelName}`, `类别：${category}`, `传播平台及范围：${i.sourceUrl ?? FILL}`];
    case 'measures': {
      const acks = v.acknowledgements.map((a) => `${dir.nameOf(a.personId)} ${t(a.at)} 签收`);
      const steps = [
        ...acks,
        ...notes.map((n) => `进展：${n}`),
        ...(published ? [`${t(published)} 已发布回应`] : []),
        ...(calmed ? [`${t(calmed)} 舆情趋于平息`] : []),
      ];
      return steps.length ? steps.map((x, n) => `${n + 1}. ${x}`) : [FILL];
    }
    case 'nextSteps': {
      const open = v.milestones.filter((m) => m.state === 'open').sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
      return open.length
        ? open.map((m) => `${m.name}：${t(m.dueAt)} 前${m.dueAt < now ? '（已超时）' : ''}`)
        : ['持续跟踪研判舆情走势，防止反弹。'];
    }
    case 'riskLevel':
      return [levelName];
    case 'advice':
      return [(i.category && dir.category(i.category)?.handling) || FILL];
    case 'cause':
      return [`起因：${i.description}`, `成因分析：${FILL}`];
    case 'effect':
      return [
        ...(published ? [`${t(published)} 发布回应`] : ['未登记发布回应']),
        ...(calmed ? [`${t(calmed)} 趋于平息`] : []),
        ...(closed ? [`${t(closed.at)} 办结：${String(closed.payload.summary ?? '')}`] : ['尚未办结']),
      ];
    case 'improvements':
      return [...(breaches.length ? [`处置中：${breaches.join('；')}`] : []), `整改措施：${FILL}`];
    case 'handlingSummary': {
      const firstAck = v.acknowledgements[0]?.at;
      return [
        `发现 ${t(i.foundAt)}，上报 ${t(i.reportedAt)}`,
        ...(firstAck
          ? [`首次签收 ${t(firstAck)}（用时${formatMinutes((firstAck.getTime() - i.reportedAt.getTime()) / 60_000)}）`]
          : []),
        ...(published ? [`发布回应 ${t(published)}`] : []),
        ...(closed ? [`办结 ${t(closed.at)}：${String(closed.payload.summary ?? '')}`] : []),
        `时限：${v.milestones.filter((m) => m.metAt && m.metAt <= m.dueAt).length} 项按时，违约 ${v.breaches.length} 项`,
      ];
    }
    case 'proposals':
      return [...(breaches.length ? [`针对：${breaches.join('；')}`] : []), `改进建议：${FILL}`];
    case 'feedback':
      return feedback.length
        ? feedback.map((e) => `${t(e.at)} ${String(e.payload.text ?? '')}`)
        : ['暂无登记的反馈（可用 /反馈 登记）'];
  }
}

/** The draft text of an upward report of type `def` for one incident. */
export function upwardDraft(dir: Directory, v: IncidentView, def: UpwardReportDef, now: Date): string {
  const unit = dir.unit(v.incident.unitId)?.name ?? v.incident.unitId;
  const lines = [`【${def.name}·草稿】${v.incident.id}`, `报送单位：${unit}`];
  def.sections.forEach((s, n) => {
    lines.push(`${'一二三四五六七八九十'[n] ?? n + 1}、${SECTION_TITLES[s]}`, ...section(dir, v, s, now));
  });
  lines.push(`（草稿，核对后报送；报送后发送 /报告 ${v.incident.id} ${def.aliases[0] ?? def.name} 已报送）`);
  return lines.join('\n');
}
