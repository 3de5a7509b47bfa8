/**
 * Issue 14 item 4: an inbound event's dedupe row records when its handling finished (`done_at`).
 * The row is written before the callback is acknowledged; while `done_at` is NULL the event is
 * only claimed, so a platform retry after a crash of the claiming process can take it over
 * (see PgEventDedupe). Rows from before this migration count as handled.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE processed_events ADD COLUMN done_at timestamptz`.execute(db);
  await sql`UPDATE processed_events SET done_at = seen_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE processed_events DROP COLUMN done_at`.execute(db);
}
