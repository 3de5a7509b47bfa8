/**
 * Kysely table types for the PostgreSQL store. Column names are snake_case; `rows.ts` maps rows to
 * the domain records of `domain/types.ts`. Every instant is a `timestamptz` (read back as a UTC `Date`).
 * `int8` columns are read as `number` (see `db.ts`, which installs a range-checked parser).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { IncidentStatus, MilestoneState, SourceType } from '../domain/types.js';

/** A `timestamptz` column: read as `Date`, written as `Date`. */
export type Timestamp = ColumnType<Date, Date, Date>;
/** A `timestamptz` column the database fills with `now()` on insert. */
export type TimestampDefault = ColumnType<Date, Date | undefined, Date>;
/** A `jsonb` object column: read parsed, written as a JSON string (pg would send JS arrays as PG arrays). */
export type JsonObject = ColumnType<Record<string, unknown>, string, string>;

/** `incidents`: one row per incident (舆情事件), id `YQ-YYYYMMDD-NNN`. */
export interface IncidentsTable {
  id: string;
  title: string;
  description: string;
  source_url: string | null;
  source_type: SourceType;
  found_at: Timestamp;
  occurred_at: Timestamp | null;
  reported_at: Timestamp;
  reporter_id: string;
  unit_id: string;
  chat_id: string;
  category: string | null;
  proposed_level: string;
  confirmed_level: string | null;
  status: IncidentStatus;
  closed_at: Timestamp | null;
  plan_id: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

/** `incident_counters`: business date `yyyymmdd` → last incident number handed out that day. */
export interface IncidentCountersTable {
  business_date: string;
  last_number: number;
}

/** `ledger_entries`: the append-only ledger (台账); a trigger rejects UPDATE, DELETE and TRUNCATE. */
export interface LedgerEntriesTable {
  seq: Generated<number>;
  incident_id: string | null;
  actor: string;
  kind: string;
  payload: JsonObject;
  at: Timestamp;
}

/** `acknowledgements`: one row per (incident, person) acknowledgement (签收). */
export interface AcknowledgementsTable {
  incident_id: string;
  person_id: string;
  role: string;
  at: Timestamp;
}

/** `assignments`: unique per (incident, person, role). */
export interface AssignmentsTable {
  incident_id: string;
  person_id: string;
  role: string;
  assigned_by: string;
  at: Timestamp;
}

/** `milestones`: one row per (incident, milestone key); `owner_ids` is `text[]`. */
export interface MilestonesTable {
  incident_id: string;
  key: string;
  name: string;
  owner_ids: string[];
  starts_at: Timestamp;
  due_at: Timestamp;
  state: MilestoneState;
  met_at: Timestamp | null;
  met_by: string | null;
  breached_at: Timestamp | null;
  plan_id: string;
}

/** `chase_steps`: claimed chase/escalation steps, unique per (incident, milestone, step, plan). */
export interface ChaseStepsTable {
  incident_id: string;
  milestone_key: string;
  step: string;
  plan_id: string;
  done_at: Timestamp;
}

/** `breaches`: recorded deadline breaches (违约), graded per 000 L2; `person_ids` is `text[]`. */
export interface BreachesTable {
  id: Generated<number>;
  incident_id: string;
  milestone_key: string;
  person_ids: string[];
  grade: 'minor' | 'major';
  at: Timestamp;
  graded_by: string | null;
  note: string | null;
}

/** `processed_events`: inbound event ids already handled, for dedupe across retries and restarts. */
export interface ProcessedEventsTable {
  platform: string;
  event_id: string;
  /** When the event was first seen, or last taken over after a crash (0008). */
  seen_at: TimestampDefault;
  /** When its handling finished; NULL while only claimed (0008). */
  done_at: Timestamp | null;
  /** The callback to hand over again after a crash, while unfinished; cleared when done (0011). */
  replay: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

/** `plan_snapshots`: the escalation policy one milestone plan was made with (migration 0004). */
export interface PlanSnapshotsTable {
  plan_id: string;
  incident_id: string;
  escalation: JsonObject;
  created_at: Timestamp;
}

/** `draft_versions`: versions of statements and handling plans (issue 8); the decision is on the row. */
export interface DraftVersionsTable {
  id: Generated<number>;
  incident_id: string;
  kind: 'statement' | 'plan';
  version: number;
  text: string;
  text_sha256: string;
  author_id: string;
  submitted_at: Timestamp;
  level: string;
  approver_ids: string[];
  external_required: boolean;
  legal_required: boolean;
  state: ColumnType<'pending' | 'approved' | 'rejected' | 'superseded', 'pending' | undefined, string>;
  decided_by: string | null;
  decided_at: Timestamp | null;
  reason: string | null;
}

/** `draft_signoffs`: external sign-offs and legal reviews recorded on a version. */
export interface DraftSignoffsTable {
  id: Generated<number>;
  version_id: number;
  type: 'external' | 'legal';
  body: string;
  opinion: string;
  entered_by: string;
  at: Timestamp;
}

/** `duty_reports`: one row per filed duty report (值班报告); `platforms` is `text[]`. */
export interface DutyReportsTable {
  id: Generated<number>;
  unit_id: string;
  shift_date: string;
  chat_id: string | null;
  filed_by: string;
  filed_at: Timestamp;
  platforms: string[];
  findings: string;
  nil: boolean;
}

/** `report_posts`: claimed scheduled posts, unique per idempotency key and per (kind, chat, period). */
export interface ReportPostsTable {
  key: string;
  kind: 'rollup' | 'weekly' | 'monthly' | 'duty_chase';
  chat_id: string;
  period: string;
  due_at: Timestamp;
  claimed_at: Timestamp;
  sent_at: Timestamp | null;
  late: boolean;
  text: string;
  mentions: string[];
}

/** Outbox row states: `merged` rows travel inside the row `merged_into` points at. */
export type OutboxState = 'pending' | 'sending' | 'sent' | 'dead' | 'merged';

/**
 * `outbox` (issue 14): one row per outbound message and destination, unique per
 * (idempotency key, platform, destination); `destination` is `chat:<platform chat id>` or
 * `user:<platform user id>` (per-destination order and rate limits key on it).
 */
export interface OutboxTable {
  id: Generated<number>;
  key: string;
  platform: string;
  destination: string;
  conversation: JsonObject;
  incident_id: string | null;
  kind: 'notice' | 'reply' | 'card_update';
  message: JsonObject;
  /** For `card_update` rows: the stored reference of the copy to update (NULL: the clicked copy, inline). */
  card_ref: JsonObject | null;
  state: ColumnType<OutboxState, OutboxState | undefined, OutboxState>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: TimestampDefault;
  /** Start of the current retry period (creation, or an admin's retry): dead letter after `deadAfterMs` from it. */
  retry_since: TimestampDefault;
  lease_until: Timestamp | null;
  created_at: TimestampDefault;
  sent_at: Timestamp | null;
  dead_at: Timestamp | null;
  last_error: string | null;
  merged_into: number | null;
  sent_ref: JsonObject | null;
}

/** `card_refs`: where each card was sent (per platform message ref), so it can be refreshed after a restart. */
export interface CardRefsTable {
  card_id: string;
  platform: string;
  ref_id: string;
  ref: JsonObject;
  /** The conversation (`{chatId}` / `{userId}`) the copy is in, when known (a fallback post goes there). */
  conversation: JsonObject | null;
  created_at: TimestampDefault;
}

/** `delivery_sends`: recent sends per (platform, destination), the sliding rate window shared by all instances. */
export interface DeliverySendsTable {
  id: Generated<number>;
  platform: string;
  destination: string;
  sent_at: Timestamp;
}

/** The whole database as Kysely sees it. */
export interface Database {
  incidents: IncidentsTable;
  incident_counters: IncidentCountersTable;
  ledger_entries: LedgerEntriesTable;
  acknowledgements: AcknowledgementsTable;
  assignments: AssignmentsTable;
  milestones: MilestonesTable;
  chase_steps: ChaseStepsTable;
  breaches: BreachesTable;
  processed_events: ProcessedEventsTable;
  plan_snapshots: PlanSnapshotsTable;
  draft_versions: DraftVersionsTable;
  draft_signoffs: DraftSignoffsTable;
  duty_reports: DutyReportsTable;
  report_posts: ReportPostsTable;
  outbox: OutboxTable;
  card_refs: CardRefsTable;
  delivery_sends: DeliverySendsTable;
}

export type IncidentRow = Selectable<IncidentsTable>;
export type NewIncidentRow = Insertable<IncidentsTable>;
export type IncidentUpdate = Updateable<IncidentsTable>;
export type LedgerRow = Selectable<LedgerEntriesTable>;
export type MilestoneRow = Selectable<MilestonesTable>;
export type BreachRow = Selectable<BreachesTable>;
