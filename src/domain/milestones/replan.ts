/**
 * Re-planning after a level change (domain.md "Severity levels": "a raise re-plans the open
 * deadlines with the new level's limits and widens who is notified"), or after a new clock starts
 * (closure, feedback).
 */
import type { MilestoneRecord } from '../types.js';

/** What `replan` decided. */
export interface ReplanResult {
  /** Open records of the new plan: hand them to `IncidentRepo.replaceOpenMilestones`. */
  open: MilestoneRecord[];
  /** Existing met (and, unless revived, cancelled) records: left exactly as they are. */
  kept: MilestoneRecord[];
  /** Keys whose open deadline moved, with the old and new due time (for the ledger). */
  changed: Array<{ key: string; from: Date; to: Date }>;
  /** Keys planned for the first time, or revived from cancelled. */
  added: string[];
  /** Existing open records the new plan no longer contains (e.g. 特报 after lowering I → III). */
  dropped: MilestoneRecord[];
}

/**
 * Merges a new plan into the existing records of one incident, by key:
 * - a met milestone stays met and is not re-planned (its new-plan record is discarded);
 * - a cancelled one stays cancelled unless `reviveCancelled` (e.g. on reopening), in which case
 *   the new plan's record is taken;
 * - an open one takes the new plan's due time, owners, name and plan id, keeping its
 *   `breachedAt`: a breach that happened under the old level stays a fact;
 * - keys only in the new plan are added; open keys missing from it are dropped.
 * Pure; inputs are not modified. Output `open` follows the new plan's order.
 */
export function replan(
  existing: readonly MilestoneRecord[],
  newPlan: readonly MilestoneRecord[],
  opts: { reviveCancelled?: boolean } = {},
): ReplanResult {
  const byKey = new Map(existing.map((r) => [r.key, r] as const));
  const planned = new Set(newPlan.map((r) => r.key));
  const result: ReplanResult = { open: [], kept: [], changed: [], added: [], dropped: [] };
  for (const r of existing) {
    if (r.state === 'met' || (r.state === 'cancelled' && !opts.reviveCancelled)) result.kept.push(r);
    else if (r.state === 'open' && !planned.has(r.key)) result.dropped.push(r);
  }
  for (const n of newPlan) {
    const old = byKey.get(n.key);
    if (old && (old.state === 'met' || (old.state === 'cancelled' && !opts.reviveCancelled))) continue;
    const breachedAt = old?.state === 'open' ? old.breachedAt : null;
    result.open.push({ ...n, state: 'open', metAt: null, metBy: null, breachedAt });
    if (!old || old.state === 'cancelled') result.added.push(n.key);
    else if (old.state === 'open' && old.dueAt.getTime() !== n.dueAt.getTime()) {
      result.changed.push({ key: n.key, from: old.dueAt, to: n.dueAt });
    }
  }
  return result;
}
