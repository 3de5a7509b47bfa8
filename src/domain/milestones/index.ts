/**
 * Deadlines, working days, chase and escalation planning: the pure milestone logic of the domain
 * (domain.md "Time limits", "Notification and escalation ladder", "Assessment").
 *
 * Design decisions (details in each module):
 * - Time-zone arithmetic uses `Intl` only (zoned-time.ts); the calendar port answers only
 *   "is this business date a working day" (../calendar.ts).
 * - A working-day limit ends at `calendar.endOfDay` of the N-th working day after the clock's
 *   business date; `sameDay` ends at `endOfDay` of the clock's date if a working day and not past
 *   it, else of the next working day (working-days.ts).
 * - A drill's `timeScale` scales the span from clock start to the real deadline (plan.ts) and
 *   every ladder wait; quiet hours apply only in real time (chase-schedule.ts).
 * - Owners: roles resolved and deduplicated; all roles empty → direct-responsible (owners.ts).
 * - After downtime every chase step resolves once, in order; only an overtaken reminder is
 *   superseded instead of sent (next-step.ts).
 */
export type {
  ClockName,
  OwnerRole,
  LimitSpec,
  MilestoneSpec,
  LadderTarget,
  QuietHours,
  EscalationSpec,
} from './specs.js';
export { toZoned, fromZoned, splitYmd, addDaysYmd, weekdayOf, parseHhmm, type ZonedTime } from './zoned-time.js';
export {
  nextWorkdayYmd,
  addWorkingDaysYmd,
  workingDaysDeadline,
  sameDayDeadline,
  MAX_NON_WORKING_RUN,
  type BusinessDayOptions,
} from './working-days.js';
export { peopleInRole, resolveOwners, type IncidentPeople } from './owners.js';
export { milestoneKey, parseMilestoneKey } from './keys.js';
export {
  clockStart,
  effectiveLimit,
  dueFrom,
  planMilestones,
  planMilestonesDetailed,
  type AwaitingApproval,
  type PlanIncident,
  type PlanInput,
  type PlanResult,
  type SkipReason,
} from './plan.js';
export { replan, type ReplanResult } from './replan.js';
export { quietWindowEnd, deferOutOfQuietHours } from './quiet-hours.js';
export {
  chaseSchedule,
  firstChaseStep,
  type ChaseStep,
  type ChaseKind,
  type ChaseMilestone,
} from './chase-schedule.js';
export {
  takeEscalationSnapshot,
  snapshotPolicy,
  type EscalationSnapshot,
} from './escalation-snapshot.js';
export { nextStep, overdueSteps, type NextStep } from './next-step.js';
export { resolveLadderTarget, type EscalationContacts, type LadderDelivery } from './ladder-target.js';
export { gradeBreach, type BreachGrade, type BreachFacts } from './breach-grade.js';
export type { WorkingCalendar, Ymd } from '../calendar.js';
export { MINUTE_MS, assertTimeScale, scaleMs, scaleMinutes, scaleSpan } from '../time-scale.js';
