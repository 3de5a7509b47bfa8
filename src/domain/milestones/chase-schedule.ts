/**
 * The chase and escalation schedule of one milestone (domain.md "Notification and escalation
 * ladder": the person who owes it → direct-responsible → first-responsible → leadership group →
 * upper authority; config `escalation:`). Pure: the job runner stores which steps are done.
 */
import { assertTimeScale, scaleMinutes } from '../time-scale.js';
import { deferOutOfQuietHours } from './quiet-hours.js';
import type { EscalationSpec, LadderTarget } from './specs.js';
import { assertValidDate } from './zoned-time.js';

/** Kind of a chase step. */
export type ChaseKind = 'remind' | 'breach' | 'escalate';

/** One step of a milestone's chase schedule. */
export interface ChaseStep {
  /**
   * Stable id, unique within the schedule: `remind:<percent>` (`remind:50`, `remind:12.5`),
   * `breach`, `escalate:<rung>:<target>` (`escalate:2:directResponsible`, rung 1-based).
   * Use it with `IncidentRepo.claimChaseStep` so each step runs once per plan.
   */
  step: string;
  kind: ChaseKind;
  /**
   * Nominal time (UTC). For `breach` this is the due time, the time the breach is recorded at
   * (`markMilestoneBreached`, `Breach.at`), even when its notification is deferred.
   */
  at: Date;
  /** When to act and notify: `at`, or the end of the quiet hours containing it. Schedule jobs on this. */
  notifyAt: Date;
  /** True when `notifyAt` was moved out of quiet hours. */
  deferred: boolean;
  /** Whom to chase: `owner` for reminders and the breach notice; the ladder rung's target for escalations. */
  target: LadderTarget;
  /** Reminders: the fraction of the allowed time (e.g. 0.8). */
  fraction?: number;
  /** Escalations: the 1-based rung of the ladder. */
  rung?: number;
}

/** The part of a milestone record the schedule reads (a `MilestoneRecord` fits). */
export interface ChaseMilestone {
  startsAt: Date;
  dueAt: Date;
}

/** `0.8` → `'80'`, `0.125` → `'12.5'`. */
function percentId(fraction: number): string {
  return String(Number((fraction * 100).toFixed(2)));
}

/**
 * Builds the ordered chase schedule of one milestone:
 * 1. a reminder at each `policy.remindAt` fraction f of the allowed time: `start + f × (due − start)`
 *    (fractions sorted, duplicates by percent id removed);
 * 2. `breach` at `due`;
 * 3. one `escalate` per ladder rung at `due + Σ afterMinutes` up to that rung, each `afterMinutes`
 *    scaled by `timeScale` (the span `due − start` is already scaled by planning).
 * Quiet hours of `level` (`policy.quietHours[level]`) defer `notifyAt` to the window's end; `at`
 * stays nominal. A reminder whose `notifyAt` would reach the due time is dropped (the breach notice
 * says more). Deferral is monotonic, so `notifyAt` never decreases along the list. Quiet hours
 * apply only in real time (`timeScale === 1`): a drill compresses hours into seconds, where a
 * business-time window has no meaning.
 * @throws RangeError for invalid dates, `dueAt` before `startsAt`, an invalid time scale, a
 *   malformed quiet-hours time or an unknown time zone.
 */
export function chaseSchedule(
  milestone: ChaseMilestone,
  policy: EscalationSpec,
  level: string,
  timezone: string,
  timeScale: number,
): ChaseStep[] {
  return [...chaseSteps(milestone, policy, level, timezone, timeScale)];
}

/**
 * The first step of {@link chaseSchedule} (what a new plan schedules), or undefined for an empty
 * schedule; the later steps are not computed (their quiet-hours deferrals cost most of a schedule).
 * @throws RangeError as {@link chaseSchedule}.
 */
export function firstChaseStep(
  milestone: ChaseMilestone,
  policy: EscalationSpec,
  level: string,
  timezone: string,
  timeScale: number,
): ChaseStep | undefined {
  const first = chaseSteps(milestone, policy, level, timezone, timeScale).next();
  return first.done ? undefined : first.value;
}

/** The steps of {@link chaseSchedule} in order, each computed when asked for; checks its input at once. */
function chaseSteps(
  milestone: ChaseMilestone,
  policy: EscalationSpec,
  level: string,
  timezone: string,
  timeScale: number,
): Generator<ChaseStep, void, undefined> {
  assertTimeScale(timeScale);
  assertValidDate(milestone.startsAt, 'startsAt');
  assertValidDate(milestone.dueAt, 'dueAt');
  const start = milestone.startsAt.getTime();
  const due = milestone.dueAt.getTime();
  if (due < start) throw new RangeError('dueAt is before startsAt');
  const window = timeScale === 1 ? policy.quietHours[level] : undefined;
  const make = (s: Omit<ChaseStep, 'notifyAt' | 'deferred'>): ChaseStep => {
    const notifyAt = deferOutOfQuietHours(s.at, window, timezone);
    return { ...s, notifyAt, deferred: notifyAt.getTime() !== s.at.getTime() };
  };
  return (function* () {
    const seen = new Set<string>();
    for (const f of [...policy.remindAt].sort((a, b) => a - b)) {
      const id = `remind:${percentId(f)}`;
      if (seen.has(id) || !(f > 0 && f < 1)) continue;
      seen.add(id);
      const s = make({
        step: id,
        kind: 'remind',
        at: new Date(start + Math.round(f * (due - start))),
        target: 'owner',
        fraction: f,
      });
      if (s.notifyAt.getTime() < due) yield s;
    }
    yield make({ step: 'breach', kind: 'breach', at: new Date(due), target: 'owner' });
    let t = due;
    for (const [i, rung] of policy.ladder.entries()) {
      t += scaleMinutes(rung.afterMinutes, timeScale);
      yield make({
        step: `escalate:${i + 1}:${rung.target}`,
        kind: 'escalate',
        at: new Date(t),
        target: rung.target,
        rung: i + 1,
      });
    }
  })();
}
