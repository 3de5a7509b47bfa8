/**
 * Issue 14: the transactional outbox (every outbound message, written in the transaction of the
 * change that caused it), persisted card references, and the per-(platform, destination) log of
 * recent sends (a sliding rate window shared by every instance).
 */
import { sql, type Kysely } from 'kysely';

const UP: string[] = [
  `CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    key text NOT NULL,
    platform text NOT NULL,
    destination text NOT NULL,
    conversation jsonb NOT NULL,
    incident_id text,
    kind text NOT NULL CHECK (kind IN ('notice', 'reply')),
    message jsonb NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'merged')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    retry_since timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    dead_at timestamptz,
    last_error text,
    merged_into bigint REFERENCES outbox (id),
    sent_ref jsonb,
    UNIQUE (key, platform, destination)
  )`,
  `CREATE INDEX outbox_queue_idx ON outbox (platform, destination, id) WHERE state IN ('pending', 'sending')`,
  `CREATE INDEX outbox_incident_idx ON outbox (incident_id, id)`,
  `CREATE INDEX outbox_dead_idx ON outbox (dead_at) WHERE state = 'dead'`,
  `CREATE TABLE card_refs (
    card_id text NOT NULL,
    platform text NOT NULL,
    ref_id text NOT NULL,
    ref jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (card_id, platform, ref_id)
  )`,
  `CREATE TABLE delivery_sends (
    id bigserial PRIMARY KEY,
    platform text NOT NULL,
    destination text NOT NULL,
    sent_at timestamptz NOT NULL
  )`,
  `CREATE INDEX delivery_sends_dest_idx ON delivery_sends (platform, destination, sent_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of UP) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['delivery_sends', 'card_refs', 'outbox']) await sql.raw(`DROP TABLE ${t}`).execute(db);
}
