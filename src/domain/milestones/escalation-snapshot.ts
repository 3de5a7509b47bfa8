/**
 * The escalation policy an incident was planned with (issue 7 item 3; grafana/oncall's
 * `escalation_snapshot`): when a plan is made, the live `escalation:` config — reminder fractions,
 * ladder, and the quiet hours of the incident's level — is copied onto the plan, and the chase
 * reads only that copy, so a config change mid-incident does not change a running chase. A new
 * plan (a level change, reopening) takes a new snapshot.
 */
import type { EscalationSpec, LadderTarget, QuietHours } from './specs.js';

/** The policy of one plan, as stored (JSON) with it. */
export interface EscalationSnapshot {
  /** The effective level the plan was made for. */
  level: string;
  /** Reminder fractions (0 < f < 1) of the time allowed (config `escalation.remindAt`). */
  remindAt: number[];
  /** Ladder rungs in order (config `escalation.ladder`); `afterMinutes` unscaled. */
  ladder: Array<{ target: LadderTarget; afterMinutes: number }>;
  /** The level's quiet hours in business time (config `escalation.quietHours[level]`), or null. */
  quietHours: QuietHours | null;
}

/** Copies what a plan at `level` needs out of the live policy (deep copy; later config changes do not reach it). */
export function takeEscalationSnapshot(policy: EscalationSpec, level: string): EscalationSnapshot {
  const q = policy.quietHours[level];
  return {
    level,
    remindAt: [...policy.remindAt],
    ladder: policy.ladder.map((r) => ({ target: r.target, afterMinutes: r.afterMinutes })),
    quietHours: q ? { start: q.start, end: q.end } : null,
  };
}

/** The snapshot as an `EscalationSpec` for `chaseSchedule` (its quiet hours keyed by the snapshot's level). */
export function snapshotPolicy(s: EscalationSnapshot): EscalationSpec {
  return { remindAt: s.remindAt, ladder: s.ladder, quietHours: s.quietHours ? { [s.level]: s.quietHours } : {} };
}
