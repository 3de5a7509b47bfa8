/**
 * Approval records (issue 8; domain.md "Approvals"): draft versions of statements (通稿/口径, also
 * replies to inquiry items) and handling plans, their decisions and sign-offs. Instants are UTC.
 */

/** What is approved: a statement (通稿/口径; inquiry replies are statements) or a handling plan. */
export type DraftKind = 'statement' | 'plan';

/**
 * A version's state. `pending` until the first decision; `superseded` when a newer version of the
 * same kind was submitted before any decision.
 */
export type VersionState = 'pending' | 'approved' | 'rejected' | 'superseded';

/** One submitted version of a draft. `version` counts from 1 per (incident, kind). */
export interface DraftVersion {
  id: number;
  incidentId: string;
  kind: DraftKind;
  version: number;
  text: string;
  /** SHA-256 (hex) of `text` as submitted (UTF-8). */
  textSha256: string;
  authorId: string;
  submittedAt: Date;
  /** The incident's effective level at submission. */
  level: string;
  /** The designated approvers, snapshotted at submission (any one suffices; 004 篇二). */
  approverIds: string[];
  /** Whether the upper authority's sign-off is required (snapshot; 004 篇二 特别重大/重大或较大). */
  externalRequired: boolean;
  /** Whether a legal review is required (snapshot; 003). */
  legalRequired: boolean;
  state: VersionState;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** The reviewer's comment on a rejection. */
  reason: string | null;
}

/** Fields of a new version; the store assigns `id`, the state is `pending`. */
export type NewDraftVersion = Omit<DraftVersion, 'id' | 'state' | 'decidedBy' | 'decidedAt' | 'reason'>;

/** A sign-off recorded on a version: the upper authority's (external) or a legal review. */
export interface SignOff {
  id: number;
  versionId: number;
  type: 'external' | 'legal';
  /** The body that signed off (e.g. 县委网信办); for a legal review the reviewer's name. */
  body: string;
  opinion: string;
  /** Who entered it (person id). */
  enteredBy: string;
  at: Date;
}

/** Chinese names of the kinds. */
export const KIND_NAMES: Record<DraftKind, string> = { statement: '通稿/口径', plan: '处置方案' };

/** Chinese names of version states. */
export const VERSION_STATE_NAMES: Record<VersionState, string> = {
  pending: '待审批',
  approved: '已通过',
  rejected: '已驳回',
  superseded: '已被新版本取代',
};
