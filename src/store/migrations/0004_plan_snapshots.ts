/**
 * The escalation policy each milestone plan was made with (issue 7 item 3, grafana/oncall's
 * escalation snapshot): one row per plan id, written in the planning transaction and read by every
 * chase run of that plan, so a config change mid-incident does not change a running chase.
 */
import { sql, type Kysely } from 'kysely';

/** Creates `plan_snapshots`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`CREATE TABLE plan_snapshots (
      plan_id text PRIMARY KEY,
      incident_id text NOT NULL REFERENCES incidents (id),
      escalation jsonb NOT NULL,
      created_at timestamptz NOT NULL
    )`)
    .execute(db);
  await sql.raw('CREATE INDEX plan_snapshots_incident_idx ON plan_snapshots (incident_id)').execute(db);
}

/** Drops `plan_snapshots`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS plan_snapshots').execute(db);
}
