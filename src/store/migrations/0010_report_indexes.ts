/**
 * Issue 15 target 4 (the 17:30 rollup at province scale): indexes for the window query of
 * `PgReportStore.reportData`, which selects the incidents open at some point of a window as the
 * union of four indexed arms — still open, closed within it, a milestone due within it, a breach
 * within it (`breaches_at_idx` exists since 0001). Before these, the arms read every incident
 * ever reported and every milestone (EXPLAIN ANALYZE before/after: bench/RESULTS.md section 4).
 */
import { sql, type Kysely } from 'kysely';

const UP: string[] = [
  // the open incidents (few) by report time: the "still open" arm
  `CREATE INDEX incidents_open_reported_idx ON incidents (reported_at) WHERE closed_at IS NULL`,
  // closing times of closed incidents: the "closed within the window" arm
  `CREATE INDEX incidents_closed_idx ON incidents (closed_at) WHERE closed_at IS NOT NULL`,
  // every milestone's due time with its incident (index-only): the "due within the window" arm;
  // milestones_open_due_idx covers open milestones only
  `CREATE INDEX milestones_due_idx ON milestones (due_at, incident_id)`,
];

const DOWN: string[] = [
  'DROP INDEX IF EXISTS milestones_due_idx',
  'DROP INDEX IF EXISTS incidents_closed_idx',
  'DROP INDEX IF EXISTS incidents_open_reported_idx',
];

/** Creates the indexes of the report window query. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of UP) await sql.raw(s).execute(db);
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const s of DOWN) await sql.raw(s).execute(db);
}
