/**
 * Domain events of an incident and the hook through which other parts (milestone planning and
 * chasing, issue 4) follow them. Hooks run inside the same transaction as the change.
 */
import type { Actor, IncidentRepo, Notice } from './ports.js';
import type { Incident } from './types.js';

/** What happened to an incident. */
export type IncidentEvent =
  | { type: 'opened' }
  | { type: 'acknowledged'; personId: string }
  | { type: 'level_changed'; from: string; to: string }
  | { type: 'category_changed'; from: string | null; to: string }
  | { type: 'updated' }
  | { type: 'assigned'; personId: string; role: string }
  | { type: 'published' }
  | { type: 'calming' }
  | { type: 'closed' }
  | { type: 'reopened' }
  | { type: 'feedback' }
  | { type: 'milestone_done'; key: string }
  /** A draft version was submitted for approval (issue 8): approval milestones are (re)planned. */
  | { type: 'approval_submitted'; kind: 'statement' | 'plan'; version: number }
  /** The first decision on a version (issue 8): it meets the version's approval milestone. */
  | { type: 'approval_decided'; kind: 'statement' | 'plan'; version: number; outcome: 'approved' | 'rejected' };

export type { Actor } from './ports.js';

/** The context a hook gets: the transaction's repo, the incident after the change, the event. */
export interface IncidentEventContext {
  repo: IncidentRepo;
  incident: Incident;
  event: IncidentEvent;
  actor: Actor;
  at: Date;
  /**
   * Posts a notice under the idempotency key `key` (derived from its cause): queued in the outbox and
   * ledgered in this transaction, after the change's own notices (see `PostNotice`); never sent here.
   */
  post(key: string, n: Notice): Promise<void>;
}

/**
 * Follows incident events. `onEvent` runs inside the transaction (it may write milestones and
 * ledger entries, or throw to roll everything back); the function it returns, if any, runs after
 * commit (e.g. scheduling jobs). After-commit failures are logged by the caller, not thrown.
 */
export interface IncidentHook {
  onEvent(ctx: IncidentEventContext): Promise<(() => Promise<void>) | void>;
}
