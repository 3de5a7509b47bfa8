/**
 * Approvals (issue 8): draft versions of statements and handling plans, and the sign-offs recorded
 * on them. A version's decision lives on its row: the first decision is one conditional UPDATE
 * (`WHERE state = 'pending'`), so concurrent approvers produce exactly one decision.
 */
import { sql, type Kysely } from 'kysely';

const UP: string[] = [
  `CREATE TABLE draft_versions (
    id bigserial PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id),
    kind text NOT NULL CHECK (kind IN ('statement', 'plan')),
    version integer NOT NULL CHECK (version > 0),
    text text NOT NULL,
    text_sha256 text NOT NULL CHECK (text_sha256 ~ '^[0-9a-f]{64}$'),
    author_id text NOT NULL,
    submitted_at timestamptz NOT NULL,
    level text NOT NULL,
    approver_ids text[] NOT NULL,
    external_required boolean NOT NULL,
    legal_required boolean NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected', 'superseded')),
    decided_by text,
    decided_at timestamptz,
    reason text,
    UNIQUE (incident_id, kind, version),
    CHECK ((state IN ('approved', 'rejected')) = (decided_by IS NOT NULL AND decided_at IS NOT NULL))
  )`,
  `CREATE INDEX draft_versions_pending_idx ON draft_versions (submitted_at) WHERE state = 'pending'`,
  `CREATE TABLE draft_signoffs (
    id bigserial PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES draft_versions (id),
    type text NOT NULL CHECK (type IN ('external', 'legal')),
    body text NOT NULL,
    opinion text NOT NULL,
    entered_by text NOT NULL,
    at timestamptz NOT NULL
  )`,
  `CREATE INDEX draft_signoffs_version_idx ON draft_signoffs (version_id, at)`,
];

const DOWN: string[] = ['DROP TABLE IF EXISTS draft_signoffs', 'DROP TABLE IF EXISTS draft_versions'];

/** Creates the approval tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

/** Drops them (development only). */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
