/**
 * Assessment figures (考核, issue 9 item 5; domain.md "Assessment"): per unit (with its sub-units)
 * or per person, for a period: incidents handled, handling rate, median and p90 time to
 * acknowledge, on-time rate per milestone, breaches minor/major (000 L2), late and missed reports
 * (迟报/漏报: milestones listed in `reports.reportMilestones`, and duty reports). Pure over
 * `ReportData`; each rate carries its denominator.
 */
import type { Directory } from '../domain/Directory.js';
import type { DutyReport, ReportData } from '../domain/report-ports.js';
import { addDaysYmd } from '../domain/milestones/index.js';
import type { Incident } from '../domain/types.js';
import { formatMinutes, medianP90, type OnTime, onTimeRates, rate, statusAt } from './figures.js';
import { at, businessDate, type Period } from './period.js';
import { milestoneNames } from './periodic.js';
import type { RenderedPost } from './rollup.js';

/** Whom an assessment is about. */
export type AssessmentSubject = { kind: 'unit'; unitId: string } | { kind: 'person'; personId: string };

/** The figures of an assessment. */
export interface AssessmentFigures {
  /** Incidents of the subject reported in the period. */
  incidents: string[];
  /** Of those, closed by the period's end. */
  handled: string[];
  /** Minutes from report to acknowledgement, per acknowledgement counted. */
  ackMinutes: number[];
  ack?: { median: number; p90: number };
  onTime: OnTime[];
  breaches: { minor: number; major: number };
  reports: { late: number; missed: number; total: number };
  /** Duty shifts ended in the period (units only): filed / total. */
  duty?: { filed: number; total: number };
}

/**
 * Computes an assessment.
 * @param responsible person ids responsible for each incident (`responsibility.ts` `responsibleIds`),
 *   for a person's subject.
 * @param dutyUnits units whose duty shifts are tracked; `duty` reports filed in the period.
 */
export function assessmentFigures(
  dir: Directory,
  o: {
    data: ReportData;
    subject: AssessmentSubject;
    period: Period;
    asOf: Date;
    responsible: Map<string, string[]>;
    dutyUnits: string[];
    duty: DutyReport[];
  },
): AssessmentFigures {
  const { data, subject, period, asOf } = o;
  const mine = (i: Incident) =>
    subject.kind === 'unit'
      ? dir.within(i.unitId, subject.unitId)
      : (o.responsible.get(i.id) ?? []).includes(subject.personId);
  const scoped = data.incidents.filter(mine);
  const ids = new Set(scoped.map((i) => i.id));
  const reported = scoped.filter((i) => i.reportedAt >= period.from && i.reportedAt < period.to);
  const last = new Date(period.to.getTime() - 1);
  const handled = reported.filter((i) => statusAt(i.id, last, data.lifecycle) === 'closed');
  const reportedAt = new Map(reported.map((i) => [i.id, i.reportedAt.getTime()]));
  const ackMinutes = data.acknowledgements
    .filter((a) => reportedAt.has(a.incidentId))
    .filter((a) => subject.kind === 'unit' || a.personId === subject.personId)
    .map((a) => (a.at.getTime() - (reportedAt.get(a.incidentId) ?? 0)) / 60_000);
  const milestones = data.milestones.filter((m) =>
    subject.kind === 'unit' ? ids.has(m.incidentId) : m.ownerIds.includes(subject.personId),
  );
  const onTime = onTimeRates(milestones, period, asOf, milestoneNames(dir));
  const reportKeys = new Set(dir.reportSettings().reports.reportMilestones);
  const reportRows = onTime.filter((r) => reportKeys.has(r.key));
  const breaches = data.breaches.filter(
    (b) =>
      b.at >= period.from &&
      b.at < period.to &&
      (subject.kind === 'unit' ? ids.has(b.incidentId) : b.personIds.includes(subject.personId)),
  );
  let duty: AssessmentFigures['duty'];
  if (subject.kind === 'unit') {
    const units = o.dutyUnits.filter((u) => dir.within(u, subject.unitId));
    const tz = dir.timezone;
    let total = 0;
    let filed = 0;
    for (let d = businessDate(period.from, tz); at(d, '00:00', tz) < period.to; d = addDaysYmd(d, 1)) {
      if (at(addDaysYmd(d, 1), dir.reportSettings().duty.shiftStart, tz) > asOf) break;
      for (const u of units) {
        total += 1;
        if (o.duty.some((r) => r.unitId === u && r.shiftDate === d)) filed += 1;
      }
    }
    if (units.length) duty = { filed, total };
  }
  return {
    incidents: reported.map((i) => i.id),
    handled: handled.map((i) => i.id),
    ackMinutes,
    ack: medianP90(ackMinutes),
    onTime,
    breaches: {
      minor: breaches.filter((b) => b.grade === 'minor').length,
      major: breaches.filter((b) => b.grade === 'major').length,
    },
    reports: {
      late: reportRows.reduce((n, r) => n + r.late, 0),
      missed: reportRows.reduce((n, r) => n + r.missed, 0),
      total: reportRows.reduce((n, r) => n + r.total, 0),
    },
    duty,
  };
}

/** The Chinese text of an assessment (short lines; rates with their denominators). */
export function assessmentText(who: string, periodLabel: string, f: AssessmentFigures): RenderedPost {
  const lines = [
    `【考核】${who} ${periodLabel}`,
    `处置 ${f.incidents.length} 件｜办结 ${f.handled.length} 件`,
    `处置率 ${rate(f.handled.length, f.incidents.length)}`,
    f.ack
      ? `签收用时：中位 ${formatMinutes(f.ack.median)}，P90 ${formatMinutes(f.ack.p90)}（${f.ackMinutes.length} 次）`
      : '签收用时：无签收记录',
    '按时完成率：',
    ...(f.onTime.length ? f.onTime.map((r) => `· ${r.name} ${rate(r.onTime, r.total)}`) : ['· 无到期事项']),
    `违约：轻微 ${f.breaches.minor}、重大 ${f.breaches.major}`,
    `报告类时限 ${f.reports.total} 项：迟报 ${f.reports.late}、漏报 ${f.reports.missed}`,
  ];
  if (f.duty)
    lines.push(`值班报告：已报 ${rate(f.duty.filed, f.duty.total)}，漏报 ${f.duty.total - f.duty.filed} 班次`);
  return { text: lines.join('\n'), mentions: [] };
}
