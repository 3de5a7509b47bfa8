/**
 * The daily rollup's Chinese text (issue 9 item 1; domain.md "Reporting rhythm": 001 "每日17:30前").
 * Short lines for a phone; incident ids; `@{personId}` tokens only for people who owe an overdue
 * step. Pure: the figures come from `figures.ts`.
 */
import type { Directory } from '../domain/Directory.js';
import { effectiveLevel } from '../domain/responsibility.js';
import type { DutyReport } from '../domain/report-ports.js';
import type { Incident, MilestoneRecord } from '../domain/types.js';
import { type DayFigures, formatMinutes } from './figures.js';

/** A rendered post: text with `@{personId}` tokens and the people it @-mentions. */
export interface RenderedPost {
  text: string;
  mentions: string[];
}

/** How a unit's current duty shift stands, for the rollup line (issue 9 item 4). */
export interface DutyState {
  unitId: string;
  shiftDate: string;
  reports: DutyReport[];
}

/** `11月30日` from `YYYY-MM-DD`. */
export function dayLabel(ymd: string): string {
  return `${Number(ymd.slice(5, 7))}月${Number(ymd.slice(8, 10))}日`;
}

/** `[一般] 标题` line of an incident. */
export function incidentBrief(dir: Directory, i: Incident): string {
  const level = effectiveLevel(i);
  return `· ${i.id} [${dir.level(level)?.name ?? level}] ${i.title}`;
}

/** Overdue lines: `· 编号 事项` and `  超时 1小时20分 @某人`, with the owners as mentions. */
export function overdueLines(overdue: MilestoneRecord[], asOf: Date): RenderedPost {
  const lines: string[] = [];
  const mentions: string[] = [];
  for (const m of [...overdue].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())) {
    lines.push(`· ${m.incidentId} ${m.name}`);
    const owners = m.ownerIds.map((p) => `@{${p}}`).join(' ');
    lines.push(`  超时${formatMinutes((asOf.getTime() - m.dueAt.getTime()) / 60_000)} ${owners}`);
    for (const p of m.ownerIds) if (!mentions.includes(p)) mentions.push(p);
  }
  return { text: lines.join('\n'), mentions };
}

/** `值班报告：已报（陈静 09:10，未发现…）` or `未报`. */
export function dutyLine(dir: Directory, d: DutyState | undefined): string | undefined {
  if (!d) return undefined;
  const last = d.reports.at(-1);
  if (!last) return '值班报告：未报';
  const found = last.nil ? '未发现新的重大负面舆情' : last.findings;
  const short = [...found].length > 16 ? `${[...found].slice(0, 16).join('')}…` : found;
  return `值班报告：已报（${dir.nameOf(last.filedBy)} ${dir.formatShort(last.filedAt).slice(6)}，${short}）`;
}

/** The counts block of a day: 新增/在办/逾期, 待审批/已回应/趋于平息, 今日办结/今日违约. */
function countLines(f: DayFigures, awaitingApproval: number): string[] {
  return [
    `新增 ${f.newIncidents.length}｜在办 ${f.open.length}｜逾期 ${new Set(f.overdue.map((m) => m.incidentId)).size}`,
    `待审批 ${awaitingApproval}｜已回应 ${f.published.length}｜趋于平息 ${f.calmed.length}`,
    `今日办结 ${f.closed.length}｜今日违约 ${f.breaches.length}`,
  ];
}

/**
 * Header of a rollup; a late post says it is 补发 and when it was due; a rollup asked for before
 * its cut (`running`: its window `[from, to)`) says it is still counting, since when and until when.
 */
function header(
  title: string,
  late: { dueAt: Date } | undefined,
  dir: Directory,
  running?: { from: Date; to: Date; asOf: Date },
): string[] {
  return [
    title,
    ...(late ? [`（补发，应于 ${dir.formatShort(late.dueAt)} 发出）`] : []),
    ...(running
      ? [
          `（统计中：${dir.formatShort(running.from)} 起，截至 ${dir.formatShort(running.asOf)}；${dir.formatShort(running.to)} 截止）`,
        ]
      : []),
  ];
}

/**
 * A unit chat's rollup. A day without new incidents is a nil report: "今日无新增舆情" with the open
 * counts (issue 9 item 1).
 */
export function unitRollup(
  dir: Directory,
  o: {
    ymd: string;
    unitName: string;
    figures: DayFigures;
    asOf: Date;
    awaitingApproval: number;
    duty?: DutyState;
    late?: { dueAt: Date };
    /** The window, when the rollup is asked for before its cut (then said to be still counting). */
    running?: { from: Date; to: Date };
  },
): RenderedPost {
  const f = o.figures;
  const running = o.running && { ...o.running, asOf: o.asOf };
  const lines = header(`【舆情日报】${dayLabel(o.ymd)} ${o.unitName}`, o.late, dir, running);
  if (f.newIncidents.length === 0) lines.push('今日无新增舆情。');
  lines.push(...countLines(f, o.awaitingApproval));
  const duty = dutyLine(dir, o.duty);
  if (duty) lines.push(duty);
  const over = overdueLines(f.overdue, o.asOf);
  if (over.text) lines.push('逾期事项：', over.text);
  if (f.newIncidents.length) lines.push('新增事件：', ...f.newIncidents.map((i) => incidentBrief(dir, i)));
  if (f.closed.length) lines.push(`今日办结：${f.closed.join('、')}`);
  return { text: lines.join('\n'), mentions: over.mentions };
}

/** The leadership group's combined rollup: totals, a line per unit, the overdue steps (issue 9 item 1). */
export function combinedRollup(
  dir: Directory,
  o: {
    ymd: string;
    total: DayFigures;
    perUnit: Array<{ unitId: string; figures: DayFigures; duty?: DutyState }>;
    asOf: Date;
    awaitingApproval: number;
    late?: { dueAt: Date };
    /** The window, when the rollup is asked for before its cut (then said to be still counting). */
    running?: { from: Date; to: Date };
  },
): RenderedPost {
  const running = o.running && { ...o.running, asOf: o.asOf };
  const lines = header(`【舆情日报·汇总】${dayLabel(o.ymd)}`, o.late, dir, running);
  if (o.total.newIncidents.length === 0) lines.push('今日无新增舆情。');
  lines.push(...countLines(o.total, o.awaitingApproval), '各单位：');
  for (const u of o.perUnit) {
    const f = u.figures;
    const overdue = new Set(f.overdue.map((m) => m.incidentId)).size;
    const duty = u.duty ? ` 值班${u.duty.reports.length ? '已报' : '未报'}` : '';
    lines.push(
      `· ${dir.unit(u.unitId)?.name ?? u.unitId}：新增${f.newIncidents.length} 在办${f.open.length} 逾期${overdue}${duty}`,
    );
  }
  const over = overdueLines(o.total.overdue, o.asOf);
  if (over.text) lines.push('逾期事项：', over.text);
  if (o.total.newIncidents.length) lines.push('新增事件：', ...o.total.newIncidents.map((i) => incidentBrief(dir, i)));
  return { text: lines.join('\n'), mentions: over.mentions };
}
