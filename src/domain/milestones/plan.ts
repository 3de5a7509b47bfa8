/**
 * Milestone planning: turns the milestone definitions (config `milestones:`, domain.md "Time
 * limits") and one incident into deadline records (`MilestoneRecord`, all of one plan id).
 */
import type { WorkingCalendar } from '../calendar.js';
import type { MilestoneRecord } from '../types.js';
import { assertTimeScale, scaleSpan, MINUTE_MS } from '../time-scale.js';
import { resolveOwners, type IncidentPeople } from './owners.js';
import type { ClockName, LimitSpec, MilestoneSpec } from './specs.js';
import { sameDayDeadline, workingDaysDeadline, type BusinessDayOptions } from './working-days.js';
import { milestoneKey } from './keys.js';

/** The incident facts planning reads. All instants UTC. */
export interface PlanIncident {
  id: string;
  /** Discovery clock. */
  foundAt: Date;
  /** Occurrence clock; `null` means unknown and falls back to `foundAt`. */
  occurredAt: Date | null;
  /** Report clock. */
  reportedAt: Date;
  /** Closure clock; `null` (not closed) skips closure milestones. */
  closedAt: Date | null;
  /** Feedback clock (feedback received); absent skips feedback milestones. */
  feedbackAt?: Date | null;
  /**
   * Versions awaiting approval (issue 8), at most one per kind: the clocks `statementSubmitted` /
   * `planSubmitted` start at their submission; absent or without that kind skips those milestones.
   */
  awaitingApproval?: ReadonlyArray<AwaitingApproval>;
  /** Effective level id (`confirmedLevel ?? proposedLevel`). */
  level: string;
  category: string | null;
}

/** A draft version awaiting approval: one approval milestone per version, keyed `<key>:v<version>`. */
export interface AwaitingApproval {
  kind: 'statement' | 'plan';
  version: number;
  /** Submission time (UTC): the clock start. */
  submittedAt: Date;
  /** Its designated approvers (owner role `approver`). */
  approverIds: readonly string[];
}

/** The pending version an approval clock follows, if any. */
function awaitingFor(clock: ClockName, incident: PlanIncident): AwaitingApproval | undefined {
  const kind = clock === 'statementSubmitted' ? 'statement' : clock === 'planSubmitted' ? 'plan' : undefined;
  return kind ? incident.awaitingApproval?.find((a) => a.kind === kind) : undefined;
}

/** Everything `planMilestones` needs. */
export interface PlanInput {
  incident: PlanIncident;
  people: IncidentPeople;
  milestones: readonly MilestoneSpec[];
  calendar: WorkingCalendar;
  /** IANA business time zone (config `timezone`). */
  timezone: string;
  /** `HH:mm` business end of day (config `calendar.endOfDay`). */
  endOfDay: string;
  /** 1 = real time; a drill uses e.g. 0.001 (see time-scale.ts). */
  timeScale: number;
  /** Id of the new plan (Grafana-OnCall-style token), stamped on every record. */
  planId: string;
  /** Display name of a person id, for per-owner record names (default: the id itself). */
  nameOf?: (personId: string) => string;
}

/** Why a definition produced no record. */
export type SkipReason = 'disabled' | 'level' | 'category' | 'clock-not-started' | 'no-limit';

/** Records planned plus the definitions skipped and why (for "skipped because …" logs). */
export interface PlanResult {
  records: MilestoneRecord[];
  skipped: Array<{ key: string; reason: SkipReason }>;
}

/**
 * When a clock starts for an incident: discovery = `foundAt`; occurrence = `occurredAt ?? foundAt`;
 * report = `reportedAt`; closure = `closedAt`; feedback = `feedbackAt`; statementSubmitted /
 * planSubmitted = the submission of the version of that kind awaiting approval. `null` = not started yet.
 */
export function clockStart(clock: ClockName, incident: PlanIncident): Date | null {
  switch (clock) {
    case 'discovery':
      return incident.foundAt;
    case 'occurrence':
      return incident.occurredAt ?? incident.foundAt;
    case 'report':
      return incident.reportedAt;
    case 'closure':
      return incident.closedAt;
    case 'feedback':
      return incident.feedbackAt ?? null;
    case 'statementSubmitted':
    case 'planSubmitted':
      return awaitingFor(clock, incident)?.submittedAt ?? null;
  }
}

/** The limit that applies at `level`: `perLevel[level]` when it sets any limit, else the base limit. */
export function effectiveLimit(spec: MilestoneSpec, level: string): LimitSpec & { sameDay?: boolean } {
  const o = spec.perLevel?.[level];
  if (o && (o.limitMinutes !== undefined || o.limitWorkingDays !== undefined)) {
    return { limitMinutes: o.limitMinutes, limitWorkingDays: o.limitWorkingDays };
  }
  return { limitMinutes: spec.limitMinutes, limitWorkingDays: spec.limitWorkingDays, sameDay: spec.sameDay };
}

/**
 * Due time of a limit from clock start `start`. Each limit given yields a real-time deadline —
 * minutes: `start + limitMinutes`; working days: `workingDaysDeadline`; same day: `sameDayDeadline`
 * — and if several are given the earliest wins. The span from `start` to it is then scaled by
 * `timeScale`, so in a drill a working-day or same-day limit becomes its calendar-duration
 * equivalent, compressed (e.g. 4 d 8 h × 0.001 ≈ 6.2 min). Returns `null` when no limit is set.
 * @throws RangeError for an invalid time scale, time zone or `endOfDay`.
 */
export function dueFrom(
  start: Date,
  limit: LimitSpec & { sameDay?: boolean },
  opts: BusinessDayOptions & { timeScale: number },
): Date | null {
  const candidates: number[] = [];
  if (limit.limitMinutes !== undefined) candidates.push(start.getTime() + limit.limitMinutes * MINUTE_MS);
  if (limit.limitWorkingDays !== undefined)
    candidates.push(workingDaysDeadline(start, limit.limitWorkingDays, opts).getTime());
  if (limit.sameDay) candidates.push(sameDayDeadline(start, opts).getTime());
  if (candidates.length === 0) return null;
  return scaleSpan(start, new Date(Math.min(...candidates)), opts.timeScale);
}

/**
 * Plans the milestones of one incident (domain.md "Time limits"), in definition order:
 * - disabled definitions are skipped; `levels` / `categories` filter on the incident's effective
 *   level and category (an incident without a category fails a `categories` filter);
 * - the clock must have started (closure needs `closedAt`, feedback needs `feedbackAt`);
 * - the limit is `perLevel[level]` if set there, else the base limit (see `dueFrom`);
 * - owners come from `resolveOwners` (deduplicated; all roles empty → direct-responsible);
 * - `perOwner` gives one record per owner, key `<key>:<personId>` (e.g. `ack:wangjg`), name
 *   `<name>（<person name>）`, each owing it alone;
 * - an approval clock (`statementSubmitted`, `planSubmitted`) gives one record for the version
 *   awaiting approval, key `<key>:v<version>`, name `<name>（第N版）`, owed by its approvers.
 * Records are `open`, carry `planId`, and start at the clock start.
 * @throws RangeError for an invalid time scale, time zone, `endOfDay` or clock `Date`.
 */
export function planMilestonesDetailed(input: PlanInput): PlanResult {
  assertTimeScale(input.timeScale);
  const { incident } = input;
  const nameOf = input.nameOf ?? ((id: string) => id);
  const result: PlanResult = { records: [], skipped: [] };
  const skip = (key: string, reason: SkipReason) => result.skipped.push({ key, reason });
  for (const spec of input.milestones) {
    if (spec.enabled === false) {
      skip(spec.key, 'disabled');
      continue;
    }
    if (spec.levels && !spec.levels.includes(incident.level)) {
      skip(spec.key, 'level');
      continue;
    }
    if (spec.categories && (incident.category === null || !spec.categories.includes(incident.category))) {
      skip(spec.key, 'category');
      continue;
    }
    const start = clockStart(spec.clock, incident);
    if (start === null) {
      skip(spec.key, 'clock-not-started');
      continue;
    }
    const due = dueFrom(start, effectiveLimit(spec, incident.level), input);
    if (due === null) {
      skip(spec.key, 'no-limit');
      continue;
    }
    const awaiting = awaitingFor(spec.clock, incident);
    const owners = resolveOwners(
      spec.owners,
      awaiting ? { ...input.people, approvers: awaiting.approverIds } : input.people,
    );
    const base = {
      incidentId: incident.id,
      startsAt: new Date(start),
      dueAt: due,
      state: 'open' as const,
      metAt: null,
      metBy: null,
      breachedAt: null,
      planId: input.planId,
    };
    if (awaiting) {
      // one milestone per version: a new version waits afresh even after an earlier one was met
      result.records.push({
        ...base,
        key: milestoneKey(spec.key, `v${awaiting.version}`),
        name: `${spec.name}（第${awaiting.version}版）`,
        ownerIds: owners,
      });
    } else if (spec.perOwner) {
      for (const id of owners) {
        result.records.push({
          ...base,
          key: milestoneKey(spec.key, id),
          name: `${spec.name}（${nameOf(id)}）`,
          ownerIds: [id],
          startsAt: new Date(start),
          dueAt: new Date(due),
        });
      }
    } else {
      result.records.push({ ...base, key: spec.key, name: spec.name, ownerIds: owners });
    }
  }
  return result;
}

/**
 * Plans the milestones of one incident; the records of {@link planMilestonesDetailed}.
 * @throws RangeError as {@link planMilestonesDetailed}.
 */
export function planMilestones(input: PlanInput): MilestoneRecord[] {
  return planMilestonesDetailed(input).records;
}
