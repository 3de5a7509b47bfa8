/**
 * The dashboard's chart figures (issue 11 item 2): incidents per day by level, by category,
 * the on-time rate trend per milestone, breaches by unit and grade, and the time-to-acknowledge
 * distribution. Pure over `ReportData` (the same reads as the chat reports, `PgReportStore`),
 * reusing the report rules of `figures.ts` (`onTimeRates`, `baseKey`). Every instant is UTC;
 * days are business dates in the configured zone (default Asia/Shanghai), never the machine's.
 */
import type { Directory } from '../domain/Directory.js';
import { addDaysYmd } from '../domain/milestones/index.js';
import type { ReportData } from '../domain/report-ports.js';
import { effectiveLevel } from '../domain/responsibility.js';
import type { Incident } from '../domain/types.js';
import { onTimeRates } from './figures.js';
import { at, businessDate, type Period } from './period.js';
import { milestoneNames } from './periodic.js';

/** What the charts draw; arrays indexed like `days` where they are per day. */
export interface ChartFigures {
  /** Business dates `YYYY-MM-DD` of the period, oldest first. */
  days: string[];
  /** Incidents reported per day, one series per level (config order, highest first). */
  byLevel: Array<{ levelId: string; name: string; counts: number[] }>;
  /** Incidents reported in the period per category (`null`: not yet classified, 未分类). */
  byCategory: Array<{ categoryId: string | null; name: string; count: number }>;
  /**
   * On-time rate per milestone kind and day of its due time (figures.ts `onTimeRates`): percent
   * 0–100 with one decimal, `null` for a day with nothing due; `total[k]` is its denominator.
   */
  onTimeTrend: Array<{ key: string; name: string; rates: Array<number | null>; total: number[] }>;
  /** Breaches recorded in the period, by the incident's unit and grade (000 L2). */
  breachesByUnit: Array<{ unitId: string; name: string; minor: number; major: number }>;
  /** Acknowledgements of incidents reported in the period by minutes after the report. */
  ackHistogram: Array<{ label: string; count: number }>;
}

/** The business days of a period: `[from, to)` split at business midnight. */
export function businessDays(period: Pick<Period, 'from' | 'to'>, tz: string): Array<{ ymd: string; period: Period }> {
  const out: Array<{ ymd: string; period: Period }> = [];
  for (let d = businessDate(period.from, tz); at(d, '00:00', tz) < period.to; d = addDaysYmd(d, 1)) {
    const next = addDaysYmd(d, 1);
    out.push({ ymd: d, period: { from: at(d, '00:00', tz), to: at(next, '00:00', tz), id: d } });
  }
  return out;
}

/** Bucket labels of the acknowledgement histogram: `≤10分`, `10–30分`, …, `>240分`. */
function bucketLabels(bounds: readonly number[]): string[] {
  return [
    ...bounds.map((b, i) => (i === 0 ? `≤${b}分` : `${bounds[i - 1]}–${b}分`)),
    `>${bounds[bounds.length - 1]}分`,
  ];
}

/**
 * The chart figures of the incidents `visible` (already the viewer's scope) for `period`, as they
 * stand at `asOf`.
 * @param ackBucketsMinutes ascending upper bounds (config `dashboard.ackBucketsMinutes`).
 */
export function chartFigures(
  dir: Directory,
  o: {
    data: ReportData;
    visible: (i: Incident) => boolean;
    period: Pick<Period, 'from' | 'to'>;
    asOf: Date;
    ackBucketsMinutes: readonly number[];
  },
): ChartFigures {
  const tz = dir.timezone;
  const days = businessDays(o.period, tz);
  const scoped = o.data.incidents.filter(o.visible);
  const ids = new Set(scoped.map((i) => i.id));
  const inPeriod = (t: Date) => t >= o.period.from && t < o.period.to;
  const reported = scoped.filter((i) => inPeriod(i.reportedAt));
  const dayIndex = new Map(days.map((d, k) => [d.ymd, k]));

  const byLevel = dir.levels().map((l) => ({ levelId: l.id, name: `${l.name}（${l.id}）`, counts: days.map(() => 0) }));
  for (const i of reported) {
    const row = byLevel.find((r) => r.levelId === effectiveLevel(i));
    const k = dayIndex.get(businessDate(i.reportedAt, tz));
    if (row && k !== undefined) row.counts[k] += 1;
  }

  const byCategory = [
    ...dir.categories().map((c) => ({ categoryId: c.id as string | null, name: c.name, count: 0 })),
    { categoryId: null, name: '未分类', count: 0 },
  ];
  for (const i of reported) {
    const row = byCategory.find((r) => r.categoryId === (i.category ?? null)) ?? byCategory[byCategory.length - 1];
    row.count += 1;
  }

  const names = milestoneNames(dir);
  const milestones = o.data.milestones.filter((m) => ids.has(m.incidentId));
  const trend = new Map<string, ChartFigures['onTimeTrend'][number]>();
  days.forEach((d, k) => {
    for (const r of onTimeRates(milestones, d.period, o.asOf, names)) {
      const row = trend.get(r.key) ?? {
        key: r.key,
        name: r.name,
        rates: days.map(() => null),
        total: days.map(() => 0),
      };
      row.rates[k] = r.total === 0 ? null : Math.round((r.onTime / r.total) * 1000) / 10;
      row.total[k] = r.total;
      trend.set(r.key, row);
    }
  });
  const order = [...names.keys()];
  const onTimeTrend = [...trend.values()].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));

  const unitOf = new Map(scoped.map((i) => [i.id, i.unitId]));
  const breachRows = new Map<string, ChartFigures['breachesByUnit'][number]>();
  for (const b of o.data.breaches) {
    const unitId = unitOf.get(b.incidentId);
    if (!unitId || !inPeriod(b.at)) continue;
    const row = breachRows.get(unitId) ?? { unitId, name: dir.unit(unitId)?.name ?? unitId, minor: 0, major: 0 };
    row[b.grade] += 1;
    breachRows.set(unitId, row);
  }
  const unitOrder = dir.allUnits().map((u) => u.id);
  const breachesByUnit = [...breachRows.values()].sort(
    (a, b) => unitOrder.indexOf(a.unitId) - unitOrder.indexOf(b.unitId),
  );

  const bounds = [...o.ackBucketsMinutes].sort((a, b) => a - b);
  const ackHistogram = bucketLabels(bounds).map((label) => ({ label, count: 0 }));
  const reportedAt = new Map(reported.map((i) => [i.id, i.reportedAt.getTime()]));
  for (const a of o.data.acknowledgements) {
    const t0 = reportedAt.get(a.incidentId);
    if (t0 === undefined) continue;
    const min = (a.at.getTime() - t0) / 60_000;
    const k = bounds.findIndex((b) => min <= b);
    ackHistogram[k === -1 ? bounds.length : k].count += 1;
  }

  return { days: days.map((d) => d.ymd), byLevel, byCategory, onTimeTrend, breachesByUnit, ackHistogram };
}
