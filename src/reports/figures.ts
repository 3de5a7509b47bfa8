/**
 * Report figures computed from the ledger and the milestone, breach and acknowledgement rows
 * (issue 9: "never from counters kept on the side"). Pure functions over `ReportData`; the
 * dashboard can reuse them. Every instant is UTC; `asOf` is the instant the figures describe.
 */
import type { ReportData } from '../domain/report-ports.js';
import type { Breach, Incident, IncidentStatus, LedgerEntry, MilestoneRecord } from '../domain/types.js';
import type { Period } from './period.js';

/**
 * Lifecycle entries by incident (each list in the array's order), grouped once per array: one
 * report load serves every chat of a round, and replaying an incident must not scan everyone's
 * entries (at province scale that was thousands × thousands per post). Arrays of `ReportData` are
 * read-only once loaded.
 */
const grouped = new WeakMap<readonly LedgerEntry[], Map<string, LedgerEntry[]>>();

function entriesOf(incidentId: string, lifecycle: readonly LedgerEntry[]): readonly LedgerEntry[] {
  let by = grouped.get(lifecycle);
  if (!by) {
    by = new Map();
    for (const e of lifecycle) {
      if (e.incidentId === null) continue;
      const list = by.get(e.incidentId);
      if (list) list.push(e);
      else by.set(e.incidentId, [e]);
    }
    grouped.set(lifecycle, by);
  }
  return by.get(incidentId) ?? [];
}

/** The status an incident had at `t`, replayed from its lifecycle ledger; undefined before it was opened. */
export function statusAt(incidentId: string, t: Date, lifecycle: readonly LedgerEntry[]): IncidentStatus | undefined {
  let s: IncidentStatus | undefined;
  for (const e of entriesOf(incidentId, lifecycle)) {
    if (e.at > t) continue;
    if (e.kind === 'incident.opened') s = 'reported';
    else if (e.kind === 'incident.status_changed') s = e.payload.to as IncidentStatus;
    else if (e.kind === 'incident.closed') s = 'closed';
    else if (e.kind === 'incident.reopened') s = 'handling';
  }
  return s;
}

/** Instants in the ledger where the incident changed to `to` (a status, or `closed`). */
function changesTo(incidentId: string, to: IncidentStatus, lifecycle: readonly LedgerEntry[]): Date[] {
  return entriesOf(incidentId, lifecycle)
    .filter(
      (e) =>
        (to === 'closed' && e.kind === 'incident.closed') ||
        (e.kind === 'incident.status_changed' && e.payload.to === to),
    )
    .map((e) => e.at);
}

const inRange = (t: Date, p: Pick<Period, 'from' | 'to'>) => t >= p.from && t < p.to;

/**
 * How a milestone stands at `asOf` (domain.md "Assessment": on-time rate; 迟报/漏报):
 * `onTime` met by its due time; `late` met after it; `missed` past due and not met (open, or
 * cancelled on closing after a breach); `pending` not yet due; `void` cancelled before it was owed.
 */
export type MilestoneOutcome = 'onTime' | 'late' | 'missed' | 'pending' | 'void';

export function outcome(m: MilestoneRecord, asOf: Date): MilestoneOutcome {
  if (m.metAt && m.metAt <= asOf) return m.metAt <= m.dueAt ? 'onTime' : 'late';
  if (m.dueAt >= asOf) return 'pending';
  if (m.state === 'cancelled' && !m.breachedAt) return 'void';
  return 'missed';
}

/** Base key of a milestone (`ack:liuyang` → `ack`). */
export const baseKey = (key: string) => key.split(':')[0];

/** Positions in `milestones` by incident, grouped once per array (like `entriesOf`). */
const milestonePositions = new WeakMap<readonly MilestoneRecord[], Map<string, number[]>>();

/** The milestones of `incidentIds`, in the order of `milestones`, without scanning everyone's. */
function milestonesOf(incidentIds: Set<string>, milestones: readonly MilestoneRecord[]): MilestoneRecord[] {
  let by = milestonePositions.get(milestones);
  if (!by) {
    const fresh = new Map<string, number[]>();
    for (let k = 0; k < milestones.length; k += 1) {
      const list = fresh.get(milestones[k].incidentId);
      if (list) list.push(k);
      else fresh.set(milestones[k].incidentId, [k]);
    }
    milestonePositions.set(milestones, fresh);
    by = fresh;
  }
  const at: number[] = [];
  for (const id of incidentIds) for (const k of by.get(id) ?? []) at.push(k);
  return at.sort((a, b) => a - b).map((k) => milestones[k]);
}

/** Milestones overdue at `asOf`: past due, not met by then, of an incident not closed at `asOf`. */
export function overdueAt(data: ReportData, incidentIds: Set<string>, asOf: Date): MilestoneRecord[] {
  return milestonesOf(incidentIds, data.milestones).filter(
    (m) => m.dueAt < asOf && !(m.metAt && m.metAt <= asOf) && isOpenAt(m.incidentId, asOf, data.lifecycle),
  );
}

function isOpenAt(id: string, t: Date, lifecycle: readonly LedgerEntry[]): boolean {
  const s = statusAt(id, t, lifecycle);
  return s !== undefined && s !== 'closed';
}

/** The figures of one rollup window (issue 9 item 1). Counts are of incidents in scope. */
export interface DayFigures {
  newIncidents: Incident[];
  /** Not closed at `asOf` (在办). */
  open: Incident[];
  overdue: MilestoneRecord[];
  published: string[];
  calmed: string[];
  closed: string[];
  breaches: Breach[];
}

/**
 * The day's figures for the incidents `inScope` (already filtered by visibility), for the window
 * `[from, asOf)`.
 */
export function dayFigures(
  data: ReportData,
  inScope: (i: Incident) => boolean,
  window: Period,
  asOf: Date,
): DayFigures {
  const scoped = data.incidents.filter(inScope);
  const ids = new Set(scoped.map((i) => i.id));
  const w = { from: window.from, to: asOf };
  const changed = (to: IncidentStatus) =>
    scoped.filter((i) => changesTo(i.id, to, data.lifecycle).some((t) => inRange(t, w))).map((i) => i.id);
  return {
    newIncidents: scoped.filter((i) => inRange(i.reportedAt, w)),
    open: scoped.filter((i) => isOpenAt(i.id, asOf, data.lifecycle)),
    overdue: overdueAt(data, ids, asOf),
    published: changed('responded'),
    calmed: changed('calming'),
    closed: changed('closed'),
    breaches: data.breaches.filter((b) => ids.has(b.incidentId) && inRange(b.at, w)),
  };
}

/** On-time figures of one milestone kind: numerator and denominator stated (issue 9 "rates say their denominators"). */
export interface OnTime {
  key: string;
  name: string;
  onTime: number;
  late: number;
  missed: number;
  /** onTime + late + missed. */
  total: number;
}

/**
 * On-time rate per milestone kind for milestones due in `period` (as they stand at `asOf`),
 * in config order of `names` (base key → name).
 */
export function onTimeRates(
  milestones: MilestoneRecord[],
  period: Pick<Period, 'from' | 'to'>,
  asOf: Date,
  names: Map<string, string>,
): OnTime[] {
  const by = new Map<string, OnTime>();
  for (const m of milestones) {
    if (!inRange(m.dueAt, period)) continue;
    const o = outcome(m, asOf);
    if (o === 'pending' || o === 'void') continue;
    const k = baseKey(m.key);
    const row = by.get(k) ?? { key: k, name: names.get(k) ?? m.name, onTime: 0, late: 0, missed: 0, total: 0 };
    row[o] += 1;
    row.total += 1;
    by.set(k, row);
  }
  const order = [...names.keys()];
  return [...by.values()].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
}

/** `4/5（80%）`; `0/0` reads `0/0（—）`. */
export function rate(n: number, d: number): string {
  return d === 0 ? `${n}/${d}（—）` : `${n}/${d}（${Math.round((n / d) * 1000) / 10}%）`;
}

/**
 * Median (mean of the two middle values for an even count) and 90th percentile (nearest rank:
 * the ⌈0.9·n⌉-th smallest) of `values`; undefined for none.
 */
export function medianP90(values: number[]): { median: number; p90: number } | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, p90: s[Math.ceil(0.9 * n) - 1] };
}

/** A duration in minutes for chat: `不足1分`, `35分`, `2小时5分`, `1天3小时`. */
export function formatMinutes(min: number): string {
  const m = Math.round(min);
  if (min > 0 && m < 1) return '不足1分';
  if (m < 60) return `${m}分`;
  if (m < 1440) return `${Math.floor(m / 60)}小时${m % 60 ? `${m % 60}分` : ''}`;
  const h = Math.floor((m % 1440) / 60);
  return `${Math.floor(m / 1440)}天${h ? `${h}小时` : ''}`;
}

/** Counts of `xs` by `key`, in first-seen order. */
export function countBy<T>(xs: T[], key: (x: T) => string): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()];
}
