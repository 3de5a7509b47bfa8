/**
 * Walking a chase schedule: which step comes next, and whether it is due. Used by the job runner
 * on every run and after a restart, so a missed step fires once, promptly, and nothing repeats.
 */
import type { ChaseStep } from './chase-schedule.js';

/** The next step to handle. */
export interface NextStep {
  step: ChaseStep;
  /** `step.notifyAt <= now`: handle it now; otherwise schedule a job at `step.notifyAt`. */
  dueNow: boolean;
  /**
   * Only for a due reminder: a later step is also due by `now`, so the reminder is out of date
   * ("half the time is gone" when the deadline has passed). Claim it and record it as superseded,
   * without sending it; then ask again.
   */
  superseded: boolean;
}

/**
 * The first step of `schedule` (in order) whose id is not in `done`, or `null` when all are done.
 *
 * The rule after downtime, which neither skips nor repeats a step: every step is resolved exactly
 * once and in order (the caller claims it in `done` / `claimChaseStep` before acting, then asks
 * again). Overdue steps are due immediately. A breach and every escalation rung always fire, each
 * to its own audience, even late and in a burst; only a reminder overtaken by a later due step is
 * resolved as `superseded` (claimed, logged, not sent). Steps are never collapsed.
 * The caller stops asking once the milestone is met or cancelled.
 */
export function nextStep(schedule: readonly ChaseStep[], done: ReadonlySet<string>, now: Date): NextStep | null {
  const i = schedule.findIndex((s) => !done.has(s.step));
  if (i < 0) return null;
  const step = schedule[i];
  const t = now.getTime();
  const dueNow = step.notifyAt.getTime() <= t;
  const superseded =
    dueNow && step.kind === 'remind' && schedule.slice(i + 1).some((later) => later.notifyAt.getTime() <= t);
  return { step, dueNow, superseded };
}

/**
 * All steps not in `done` whose `notifyAt` is at or before `now`, in order — what a runner coming
 * back from downtime will work through with {@link nextStep}. For display and logs.
 */
export function overdueSteps(schedule: readonly ChaseStep[], done: ReadonlySet<string>, now: Date): ChaseStep[] {
  return schedule.filter((s) => !done.has(s.step) && s.notifyAt.getTime() <= now.getTime());
}
