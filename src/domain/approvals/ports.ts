/**
 * The store port of approvals (issue 8). Reached as `IncidentRepo.approvals`, so every call runs in
 * the transaction of the repo it came from. Only types here.
 */
import type { DraftKind, DraftVersion, NewDraftVersion, SignOff } from './types.js';

export interface ApprovalRepo {
  /**
   * Inserts version `v.version` of (incident, kind) as `pending`.
   * @throws ConflictError when that version number exists (a concurrent submission); NotFoundError
   *   for an unknown incident.
   */
  insertVersion(v: NewDraftVersion): Promise<DraftVersion>;
  /** Every version of an incident (both kinds), oldest first. */
  versions(incidentId: string): Promise<DraftVersion[]>;
  /**
   * Every version of each of `incidentIds` (both kinds), oldest first, in one read whatever the
   * number of ids (the rollup's 待审批 over a whole window); [] for none.
   */
  versionsOf(incidentIds: readonly string[]): Promise<DraftVersion[]>;
  /** Versions awaiting a decision across all incidents, oldest submission first. */
  pendingVersions(): Promise<DraftVersion[]>;
  /**
   * Records the decision on a version if it is still `pending` — one conditional UPDATE, so of two
   * concurrent deciders exactly one wins (the other's UPDATE waits for the row lock, then matches
   * nothing). Returns the updated version, or undefined when it was no longer pending.
   */
  decide(
    versionId: number,
    d: { state: 'approved' | 'rejected'; by: string; at: Date; reason: string | null },
  ): Promise<DraftVersion | undefined>;
  /** Marks the still-pending versions of (incident, kind) below `version` superseded; returns them. */
  supersede(incidentId: string, kind: DraftKind, belowVersion: number): Promise<DraftVersion[]>;
  insertSignOff(s: Omit<SignOff, 'id'>): Promise<SignOff>;
  /** Sign-offs of the given versions, oldest first. */
  signOffs(versionIds: number[]): Promise<SignOff[]>;
}
