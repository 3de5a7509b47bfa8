/**
 * An inbound message's claim keeps the callback it came with (`replay`), so that a message whose
 * handling never finished — answered empty after the passive-reply window, then the process died
 * before the command committed — is handed over again at the next start-up instead of being lost
 * (WeCom got its 200 and will not retry). Cleared when the handling finishes.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE processed_events ADD COLUMN replay jsonb`.execute(db);
  await sql`CREATE INDEX processed_events_unfinished_idx ON processed_events (platform, seen_at) WHERE done_at IS NULL AND replay IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS processed_events_unfinished_idx`.execute(db);
  await sql`ALTER TABLE processed_events DROP COLUMN replay`.execute(db);
}
