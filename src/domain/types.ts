/**
 * Domain records. All instants are UTC `Date`s; business-time rendering happens at the edges
 * with the configured time zone (default Asia/Shanghai).
 */

/** Incident lifecycle (issue 3): reported → acknowledged → handling → responded → calming → closed; reopen allowed. */
export type IncidentStatus = 'reported' | 'acknowledged' | 'handling' | 'responded' | 'calming' | 'closed';

/** Where the item came from (domain.md "Intake"): own monitoring (自查) or handed down (上级交办). */
export type SourceType = 'self' | 'assigned';

/** An incident (舆情事件). `id` is `YQ-YYYYMMDD-NNN`, the date being the business date of reporting. */
export interface Incident {
  id: string;
  title: string;
  description: string;
  sourceUrl: string | null;
  sourceType: SourceType;
  /** When the item was found (discovery clock). */
  foundAt: Date;
  /** When the underlying event happened, if known (occurrence clock); else equal to foundAt. */
  occurredAt: Date | null;
  /** When it was reported in chat (report clock). */
  reportedAt: Date;
  /** Person id from config, or `<platform>:<userId>` for a sender not in config. */
  reporterId: string;
  unitId: string;
  /** Config chat id the incident was reported in. */
  chatId: string;
  category: string | null;
  /** Level proposed by the reporter (or the default level). */
  proposedLevel: string;
  /** Level confirmed by a privileged person, if any. The effective level is `confirmedLevel ?? proposedLevel`. */
  confirmedLevel: string | null;
  status: IncidentStatus;
  closedAt: Date | null;
  /** Active chase/escalation plan id (Grafana-OnCall-style token); `stopped` when closed. */
  planId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields a new incident needs; the store assigns `createdAt`/`updatedAt`. */
export type NewIncident = Omit<Incident, 'createdAt' | 'updatedAt'>;

/** One append-only ledger (台账) entry. `actor` is a person id, `bot` or `system`. */
export interface LedgerEntry {
  seq: number;
  incidentId: string | null;
  actor: string;
  kind: LedgerKind;
  payload: Record<string, unknown>;
  at: Date;
}

export type NewLedgerEntry = Omit<LedgerEntry, 'seq'>;

/** Ledger entry kinds, as a list (a test walks them: each has a Chinese label). Extend, never rename: exported ledgers depend on them. */
export const LEDGER_KINDS = [
  'incident.opened',
  'incident.acknowledged',
  'incident.level_changed',
  'incident.category_changed',
  'incident.status_changed',
  'incident.note',
  'incident.assigned',
  'incident.closed',
  'incident.reopened',
  'incident.feedback',
  'message.sent',
  'message.queued',
  'message.failed',
  'message.requeued',
  'milestone.planned',
  'milestone.met',
  'milestone.reminded',
  'milestone.breached',
  'milestone.escalated',
  'breach.graded',
  'incident.published',
  'approval.submitted',
  'approval.superseded',
  'approval.approved',
  'approval.rejected',
  'approval.signed_off',
  'report.submitted',
  'duty.filed',
  'duty.missed',
  'duty.escalated',
] as const;

/** Ledger entry kinds (see `LEDGER_KINDS`). */
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** A person's acknowledgement (签收). */
export interface Acknowledgement {
  incidentId: string;
  personId: string;
  /** The role they were asked in (`firstResponsible`, `directResponsible`, `assignee`, …). */
  role: string;
  at: Date;
}

/** Someone assigned to an incident (`/指派`). */
export interface Assignment {
  incidentId: string;
  personId: string;
  role: string;
  assignedBy: string;
  at: Date;
}

/** Milestone state (issue 4). `breached` stays open until met. */
export type MilestoneState = 'open' | 'met' | 'cancelled';

/** A planned milestone deadline of one incident under one plan. */
export interface MilestoneRecord {
  incidentId: string;
  key: string;
  name: string;
  /** Person ids who owe it. */
  ownerIds: string[];
  /** The clock start (UTC). */
  startsAt: Date;
  dueAt: Date;
  state: MilestoneState;
  metAt: Date | null;
  metBy: string | null;
  breachedAt: Date | null;
  planId: string;
}

/** A recorded breach (违约) of a milestone deadline; grade per 000 L2. */
export interface Breach {
  id: number;
  incidentId: string;
  milestoneKey: string;
  personIds: string[];
  grade: 'minor' | 'major';
  at: Date;
  gradedBy: string | null;
  note: string | null;
}
