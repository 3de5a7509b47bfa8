/**
 * Issue 9: duty reports (值班报告) and the claims of scheduled posts (rollups, weekly and monthly
 * reports, duty chases), one row per idempotency key, so each post goes out exactly once across
 * restarts and instances.
 */
import { sql, type Kysely } from 'kysely';

const UP: string[] = [
  `CREATE TABLE duty_reports (
    id serial PRIMARY KEY,
    unit_id text NOT NULL,
    shift_date text NOT NULL CHECK (shift_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    chat_id text,
    filed_by text NOT NULL,
    filed_at timestamptz NOT NULL,
    platforms text[] NOT NULL DEFAULT '{}',
    findings text NOT NULL,
    nil boolean NOT NULL
  )`,
  `CREATE INDEX duty_reports_shift_idx ON duty_reports (shift_date, unit_id)`,
  `CREATE TABLE report_posts (
    key text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('rollup', 'weekly', 'monthly', 'duty_chase')),
    chat_id text NOT NULL,
    period text NOT NULL,
    due_at timestamptz NOT NULL,
    claimed_at timestamptz NOT NULL,
    sent_at timestamptz,
    late boolean NOT NULL,
    text text NOT NULL,
    mentions text[] NOT NULL DEFAULT '{}',
    UNIQUE (kind, chat_id, period)
  )`,
  `CREATE INDEX report_posts_unsent_idx ON report_posts (claimed_at) WHERE sent_at IS NULL`,
];

/** Creates `duty_reports` and `report_posts`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

/** Drops them again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS report_posts').execute(db);
  await sql.raw('DROP TABLE IF EXISTS duty_reports').execute(db);
}
