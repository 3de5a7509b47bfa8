/**
 * The domain's view of the `milestones:` and `escalation:` config sections. These mirror
 * `MilestoneDef` and `EscalationPolicy` of src/config/schema.ts structurally (the domain imports
 * nothing outside src/domain); a compile-time test keeps them assignable from the config types.
 */

/** Which time a milestone's clock starts from (domain.md "Time limits", column "clock starts"). */
export type ClockName =
  | 'discovery'
  | 'occurrence'
  | 'report'
  | 'closure'
  | 'feedback'
  | 'statementSubmitted'
  | 'planSubmitted';

/** Who owes a milestone (config `milestones[].owners`). */
export type OwnerRole =
  | 'reporter'
  | 'firstResponsible'
  | 'directResponsible'
  | 'spokesperson'
  | 'office'
  | 'assignee'
  | 'approver';

/** A time limit: calendar minutes and/or statutory working days (config `perLevel` values). */
export interface LimitSpec {
  /** Calendar minutes after the clock start. */
  limitMinutes?: number;
  /** Statutory working days after the clock's business date (see working-days.ts). */
  limitWorkingDays?: number;
}

/** One milestone definition (config `milestones[]`). Optional flags default as in the schema. */
export interface MilestoneSpec extends LimitSpec {
  key: string;
  name: string;
  clock: ClockName;
  owners: readonly OwnerRole[];
  /** One record per owner person, keyed `<key>:<personId>` (default false). */
  perOwner?: boolean;
  /** Never planned when false (default true). */
  enabled?: boolean;
  /** By the end of the business day (see `sameDayDeadline`). */
  sameDay?: boolean;
  /** Only for these level ids (absent: all levels). */
  levels?: readonly string[];
  /** Only for these category ids (absent: all categories, and incidents without one). */
  categories?: readonly string[];
  /** Limit overrides per level id; an override with any limit replaces the base limit entirely. */
  perLevel?: Readonly<Record<string, LimitSpec>>;
  /** Where the rule comes from (domain.md source id), for messages. */
  source?: string;
}

/** Whom a ladder step chases (domain.md "Notification and escalation ladder"). */
export type LadderTarget = 'owner' | 'directResponsible' | 'firstResponsible' | 'leadershipGroup' | 'upperAuthority';

/** Quiet hours in business time, `HH:mm`; `end <= start` means the window crosses midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** The escalation policy (config `escalation:`). */
export interface EscalationSpec {
  /** Reminders before the deadline, as fractions (0 < f < 1) of the time allowed. */
  remindAt: readonly number[];
  /** Steps after the deadline, in order; each waits `afterMinutes` after the previous one. */
  ladder: ReadonlyArray<{ target: LadderTarget; afterMinutes: number }>;
  /** Per level id: no chasing inside the window (notifications deferred to its end). */
  quietHours: Readonly<Record<string, QuietHours>>;
}
