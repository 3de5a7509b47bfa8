/**
 * Initial schema: incidents and everything hanging off them, the append-only ledger (台账),
 * and inbound event dedupe. Runs inside the migrator's transaction (PostgreSQL DDL is transactional).
 */
import { sql, type Kysely } from 'kysely';

/** Statements in order; each is executed on its own. */
const UP: string[] = [
  `CREATE TABLE incidents (
    id text PRIMARY KEY,
    title text NOT NULL,
    description text NOT NULL,
    source_url text,
    source_type text NOT NULL CHECK (source_type IN ('self', 'assigned')),
    found_at timestamptz NOT NULL,
    occurred_at timestamptz,
    reported_at timestamptz NOT NULL,
    reporter_id text NOT NULL,
    unit_id text NOT NULL,
    chat_id text NOT NULL,
    category text,
    proposed_level text NOT NULL,
    confirmed_level text,
    status text NOT NULL
      CHECK (status IN ('reported', 'acknowledged', 'handling', 'responded', 'calming', 'closed')),
    closed_at timestamptz,
    plan_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX incidents_chat_reported_idx ON incidents (chat_id, reported_at DESC)`,
  `CREATE INDEX incidents_unit_reported_idx ON incidents (unit_id, reported_at DESC)`,
  `CREATE INDEX incidents_status_idx ON incidents (status)`,
  `CREATE INDEX incidents_reported_idx ON incidents (reported_at DESC, id DESC)`,

  `CREATE TABLE incident_counters (
    business_date text PRIMARY KEY CHECK (business_date ~ '^[0-9]{8}$'),
    last_number integer NOT NULL CHECK (last_number > 0)
  )`,

  `CREATE TABLE ledger_entries (
    seq bigserial PRIMARY KEY,
    incident_id text REFERENCES incidents (id),
    actor text NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    at timestamptz NOT NULL
  )`,
  `CREATE INDEX ledger_entries_incident_idx ON ledger_entries (incident_id, at, seq)`,
  `CREATE INDEX ledger_entries_at_idx ON ledger_entries (at, seq)`,
  `CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only: % rejected', TG_OP
      USING ERRCODE = 'restrict_violation';
  END
  $$`,
  `CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()`,
  `CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()`,

  `CREATE TABLE acknowledgements (
    incident_id text NOT NULL REFERENCES incidents (id),
    person_id text NOT NULL,
    role text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (incident_id, person_id)
  )`,

  `CREATE TABLE assignments (
    incident_id text NOT NULL REFERENCES incidents (id),
    person_id text NOT NULL,
    role text NOT NULL,
    assigned_by text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (incident_id, person_id, role)
  )`,

  `CREATE TABLE milestones (
    incident_id text NOT NULL REFERENCES incidents (id),
    key text NOT NULL,
    name text NOT NULL,
    owner_ids text[] NOT NULL DEFAULT '{}',
    starts_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'met', 'cancelled')),
    met_at timestamptz,
    met_by text,
    breached_at timestamptz,
    plan_id text NOT NULL,
    PRIMARY KEY (incident_id, key)
  )`,
  `CREATE INDEX milestones_open_due_idx ON milestones (due_at) WHERE state = 'open'`,

  `CREATE TABLE chase_steps (
    incident_id text NOT NULL REFERENCES incidents (id),
    milestone_key text NOT NULL,
    step text NOT NULL,
    plan_id text NOT NULL,
    done_at timestamptz NOT NULL,
    PRIMARY KEY (incident_id, milestone_key, step, plan_id)
  )`,

  `CREATE TABLE breaches (
    id serial PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id),
    milestone_key text NOT NULL,
    person_ids text[] NOT NULL DEFAULT '{}',
    grade text NOT NULL CHECK (grade IN ('minor', 'major')),
    at timestamptz NOT NULL,
    graded_by text,
    note text
  )`,
  `CREATE INDEX breaches_incident_idx ON breaches (incident_id, at)`,
  `CREATE INDEX breaches_at_idx ON breaches (at)`,

  `CREATE TABLE processed_events (
    platform text NOT NULL,
    event_id text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, event_id)
  )`,
  `CREATE INDEX processed_events_seen_idx ON processed_events (seen_at)`,
];

const DOWN: string[] = [
  'DROP TABLE IF EXISTS processed_events',
  'DROP TABLE IF EXISTS breaches',
  'DROP TABLE IF EXISTS chase_steps',
  'DROP TABLE IF EXISTS milestones',
  'DROP TABLE IF EXISTS assignments',
  'DROP TABLE IF EXISTS acknowledgements',
  'DROP TABLE IF EXISTS ledger_entries',
  'DROP FUNCTION IF EXISTS ledger_entries_append_only()',
  'DROP TABLE IF EXISTS incident_counters',
  'DROP TABLE IF EXISTS incidents',
];

/** Creates every table, index and the ledger's append-only triggers. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

/** Drops everything `up` created (development only; the ledger is never dropped in production). */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
