/**
 * Issue 14 item 1 ("card updates"): a card update is an outbox row (`kind = 'card_update'`) written
 * in the transaction of the change, with the stored reference of the copy it updates
 * (`card_ref`; NULL: the copy a click came from, updated inline in the click's answer). Card
 * references also keep the conversation the copy is in, so a copy that can no longer be updated
 * can be posted there again as a new message.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`.execute(db);
  await sql`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('notice', 'reply', 'card_update'))`.execute(
    db,
  );
  await sql`ALTER TABLE outbox ADD COLUMN card_ref jsonb`.execute(db);
  await sql`ALTER TABLE card_refs ADD COLUMN conversation jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM outbox WHERE kind = 'card_update'`.execute(db);
  await sql`ALTER TABLE card_refs DROP COLUMN conversation`.execute(db);
  await sql`ALTER TABLE outbox DROP COLUMN card_ref`.execute(db);
  await sql`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`.execute(db);
  await sql`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('notice', 'reply'))`.execute(db);
}
