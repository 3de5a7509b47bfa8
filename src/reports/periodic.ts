/**
 * Weekly and monthly reports (issue 9 item 2; domain.md "Reporting rhythm": 002 weekly analysis,
 * 000 L8 monthly handling report): counts by level, category and unit; handling rate; on-time
 * rate per milestone; breaches by grade and unit; the slowest acknowledgements; open items carried
 * over. Pure over `ReportData`; every rate states its denominator.
 */
import type { Directory } from '../domain/Directory.js';
import { effectiveLevel } from '../domain/responsibility.js';
import type { ReportData } from '../domain/report-ports.js';
import type { Incident } from '../domain/types.js';
import { countBy, formatMinutes, onTimeRates, rate, statusAt } from './figures.js';
import type { Period } from './period.js';
import type { RenderedPost } from './rollup.js';

/** The figures of a weekly/monthly report, for tests and the dashboard. */
export interface PeriodicFigures {
  reported: Incident[];
  /** Of `reported`, closed before the period's end (处置率 numerator). */
  handled: Incident[];
  byLevel: Array<[string, number]>;
  byCategory: Array<[string, number]>;
  byUnit: Array<[string, number]>;
  onTime: ReturnType<typeof onTimeRates>;
  breaches: { minor: number; major: number; byUnit: Array<{ unitId: string; minor: number; major: number }> };
  slowestAcks: Array<{ incidentId: string; personId: string; minutes: number }>;
  /** Reported before the period's end and not closed at it. */
  carriedOver: string[];
}

/** Milestone base key → name, in config order. */
export function milestoneNames(dir: Directory): Map<string, string> {
  return new Map(dir.milestoneSpecs().map((m) => [m.key, m.name]));
}

/** Computes the figures of `period` for the incidents in `scope`, as stored at `asOf`. */
export function periodicFigures(
  dir: Directory,
  data: ReportData,
  scope: (i: Incident) => boolean,
  period: Period,
  asOf: Date,
): PeriodicFigures {
  const scoped = data.incidents.filter(scope);
  const ids = new Set(scoped.map((i) => i.id));
  const reported = scoped.filter((i) => i.reportedAt >= period.from && i.reportedAt < period.to);
  const reportedIds = new Set(reported.map((i) => i.id));
  const handled = reported.filter(
    (i) => statusAt(i.id, new Date(period.to.getTime() - 1), data.lifecycle) === 'closed',
  );
  const levelName = (i: Incident) => dir.level(effectiveLevel(i))?.name ?? effectiveLevel(i);
  const breaches = data.breaches.filter((b) => ids.has(b.incidentId) && b.at >= period.from && b.at < period.to);
  const unitOf = new Map(scoped.map((i) => [i.id, i.unitId]));
  const byUnitBreach = new Map<string, { unitId: string; minor: number; major: number }>();
  for (const b of breaches) {
    const u = unitOf.get(b.incidentId) ?? '';
    const row = byUnitBreach.get(u) ?? { unitId: u, minor: 0, major: 0 };
    row[b.grade] += 1;
    byUnitBreach.set(u, row);
  }
  const reportedAt = new Map(reported.map((i) => [i.id, i.reportedAt.getTime()]));
  const slowestAcks = data.acknowledgements
    .filter((a) => reportedIds.has(a.incidentId))
    .map((a) => ({
      incidentId: a.incidentId,
      personId: a.personId,
      minutes: (a.at.getTime() - (reportedAt.get(a.incidentId) ?? a.at.getTime())) / 60_000,
    }))
    .sort((a, b) => b.minutes - a.minutes || a.incidentId.localeCompare(b.incidentId))
    .slice(0, dir.reportSettings().reports.slowestAcks);
  const last = new Date(period.to.getTime() - 1);
  return {
    reported,
    handled,
    byLevel: countBy(reported, levelName),
    byCategory: countBy(reported, (i) => (i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类')),
    byUnit: countBy(reported, (i) => dir.unit(i.unitId)?.name ?? i.unitId),
    onTime: onTimeRates(
      data.milestones.filter((m) => ids.has(m.incidentId)),
      period,
      asOf,
      milestoneNames(dir),
    ),
    breaches: {
      minor: breaches.filter((b) => b.grade === 'minor').length,
      major: breaches.filter((b) => b.grade === 'major').length,
      byUnit: [...byUnitBreach.values()],
    },
    slowestAcks,
    carriedOver: scoped
      .filter((i) => i.reportedAt < period.to)
      .filter((i) => {
        const s = statusAt(i.id, last, data.lifecycle);
        return s !== undefined && s !== 'closed';
      })
      .map((i) => i.id),
  };
}

const pairs = (xs: Array<[string, number]>) => (xs.length ? xs.map(([k, n]) => `${k} ${n}`).join('、') : '无');
const md = (d: Date, dir: Directory) => dir.formatShort(d).slice(0, 5);

/** The Chinese text of a weekly or monthly report. */
export function periodicReport(
  dir: Directory,
  o: {
    kind: 'weekly' | 'monthly';
    period: Period;
    asOf: Date;
    data: ReportData;
    scope: (i: Incident) => boolean;
    late?: { dueAt: Date };
  },
): RenderedPost {
  const f = periodicFigures(dir, o.data, o.scope, o.period, o.asOf);
  const lastDay = new Date(o.period.to.getTime() - 1);
  const title =
    o.kind === 'weekly'
      ? `【舆情周报】${o.period.id.replace('-W', '年第')}周（${md(o.period.from, dir)} 至 ${md(lastDay, dir)}）`
      : `【舆情月报】${o.period.id.replace('-', '年')}月`;
  const lines = [title];
  if (o.late) lines.push(`（补发，应于 ${dir.formatShort(o.late.dueAt)} 发出）`);
  lines.push(
    `新增 ${f.reported.length}｜办结 ${f.handled.length}`,
    `处置率 ${rate(f.handled.length, f.reported.length)}`,
    `按级别：${pairs(f.byLevel)}`,
    `按类别：${pairs(f.byCategory)}`,
    `按单位：${pairs(f.byUnit)}`,
    '按时完成率：',
    ...(f.onTime.length ? f.onTime.map((r) => `· ${r.name} ${rate(r.onTime, r.total)}`) : ['· 无到期事项']),
    `违约：轻微 ${f.breaches.minor}、重大 ${f.breaches.major}`,
    ...f.breaches.byUnit.map((b) => `· ${dir.unit(b.unitId)?.name ?? b.unitId}：轻微 ${b.minor}、重大 ${b.major}`),
  );
  if (f.slowestAcks.length)
    lines.push(
      '签收最慢：',
      ...f.slowestAcks.map((a) => `· ${a.incidentId} ${dir.nameOf(a.personId)} ${formatMinutes(a.minutes)}`),
    );
  const carried = f.carriedOver;
  lines.push(
    carried.length
      ? `结转未办结 ${carried.length}：${carried.slice(0, 10).join('、')}${carried.length > 10 ? ' 等' : ''}`
      : '结转未办结：无',
  );
  return { text: lines.join('\n'), mentions: [] };
}
