/**
 * Outbox row writes and reads shared by `PgIncidentRepo` (queueing, in the change's transaction)
 * and `PgOutbox` (the worker's side). See `schema.ts` `OutboxTable`.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { OutboxRow, StoredMessageRef } from '../domain/outbox.js';
import type { DeliveryStatus, RoutedDelivery } from '../domain/ports.js';
import type { NewLedgerEntry } from '../domain/types.js';
import type { Database, OutboxTable } from './schema.js';
import { destinationOf, OUTBOX_CHANNEL, type TxContext } from './tx-context.js';

/** One row to queue. */
export interface NewOutboxRow {
  key: string;
  incidentId: string | null;
  kind: 'notice' | 'reply' | 'card_update';
  delivery: RoutedDelivery;
  /** A card update's target copy (see `OutboxRow.cardRef`). */
  cardRef?: StoredMessageRef | null;
  /** Lease it to the running command as one of its replies, whatever its destination (the inline card update). */
  asReply?: boolean;
  /** Overrides the destination derived from `delivery.to` (card updates: `card:<ref id>`). */
  destination?: string;
}

/** Maps a selected row to the port's shape. */
export function toOutboxRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    id: Number(r.id),
    key: r.key,
    platform: r.platform,
    destination: r.destination,
    conversation: r.conversation as RoutedDelivery['to'],
    incidentId: r.incident_id,
    kind: r.kind,
    message: r.message as RoutedDelivery['message'],
    cardRef: (r.card_ref as StoredMessageRef | null | undefined) ?? null,
    attempts: r.attempts,
    createdAt: r.created_at,
  };
}

/**
 * Inserts rows, skipping any (key, platform, destination) already queued, in ONE statement (issue
 * 15 item 1: one round trip however many destinations a notice fans out to). Inside a command
 * scope, rows for the origin's own conversation are leased to the command (state `sending`) and
 * collected as its replies. The same statement issues the NOTIFY that wakes the delivery workers
 * when a new row is not the command's own (once per transaction; delivered at commit) and, given
 * `entry`, appends that ledger entry when at least one row was new.
 * @returns the rows newly inserted, in insertion order.
 */
export async function insertOutboxRows(
  db: Kysely<Database>,
  tx: TxContext | undefined,
  rows: NewOutboxRow[],
  entry?: NewLedgerEntry,
): Promise<OutboxRow[]> {
  if (rows.length === 0) return [];
  const scope = tx?.command;
  const values = rows.map((r) => {
    const destination = r.destination ?? destinationOf(r.delivery.to);
    const isReply =
      !!scope &&
      scope.origin.platform === r.delivery.platform &&
      (r.asReply === true || (r.kind !== 'card_update' && scope.destination === destination));
    return {
      key: r.key,
      platform: r.delivery.platform,
      destination,
      conversation: r.delivery.to,
      incident_id: r.incidentId,
      kind: r.kind,
      message: r.delivery.message,
      card_ref: r.cardRef ?? null,
      state: isReply ? 'sending' : 'pending',
    };
  });
  const mayNotify = !tx?.notified;
  const { rows: inserted } = await sql<Selectable<OutboxTable> & { woken: number }>`
    WITH ins AS (
      INSERT INTO outbox (key, platform, destination, conversation, incident_id, kind, message, card_ref, state, lease_until)
      SELECT r.key, r.platform, r.destination, r.conversation, r.incident_id, r.kind, r.message, r.card_ref, r.state,
             CASE WHEN r.state = 'sending' THEN now() + ${`${scope?.leaseMs ?? 0} milliseconds`}::interval END
        FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS r(key text, platform text, destination text,
             conversation jsonb, incident_id text, kind text, message jsonb, card_ref jsonb, state text)
      ON CONFLICT (key, platform, destination) DO NOTHING
      RETURNING *),
    entry AS (
      INSERT INTO ledger_entries (incident_id, actor, kind, payload, at)
      SELECT ${entry?.incidentId ?? null}::text, ${entry?.actor ?? ''}::text, ${entry?.kind ?? ''}::text,
             ${JSON.stringify(entry?.payload ?? {})}::jsonb, ${entry?.at ?? new Date(0)}::timestamptz
       WHERE ${entry !== undefined}::boolean AND EXISTS (SELECT 1 FROM ins)
      RETURNING seq),
    woken AS (
      SELECT pg_notify(${OUTBOX_CHANNEL}, '')
        FROM (SELECT 1 FROM ins
               WHERE ${mayNotify}::boolean
                 AND NOT (${!!scope}::boolean AND ins.platform = ${scope?.origin.platform ?? ''}::text
                          AND ins.destination = ${scope?.destination ?? ''}::text)
               LIMIT 1) AS other)
    SELECT ins.*, (SELECT count(*) FROM woken)::int AS woken FROM ins ORDER BY ins.id`.execute(db);
  const out: OutboxRow[] = [];
  for (const row of inserted) {
    const mapped = toOutboxRow(row);
    out.push(mapped);
    if (scope && row.state === 'sending') scope.replies.push(mapped);
  }
  if (tx && inserted.some((r) => r.woken > 0)) tx.notified = true;
  return out;
}

/** Delivery states of an incident's messages (merged rows take the state of their carrier). */
export async function deliveryStates(db: Kysely<Database>, incidentId: string): Promise<DeliveryStatus[]> {
  const rows = await db
    .selectFrom('outbox as o')
    .leftJoin('outbox as m', 'm.id', 'o.merged_into')
    .select([
      'o.id',
      'o.key',
      'o.platform',
      'o.state',
      'o.attempts',
      'o.created_at',
      'o.sent_at',
      'o.last_error',
      'm.state as carrier_state',
      'm.sent_at as carrier_sent_at',
    ])
    .where('o.incident_id', '=', incidentId)
    .orderBy('o.id')
    .execute();
  return rows.map((r) => {
    const state = r.state === 'merged' ? (r.carrier_state ?? 'pending') : r.state;
    return {
      id: Number(r.id),
      key: r.key,
      platform: r.platform,
      state:
        state === 'sent' || state === 'merged'
          ? 'sent'
          : state === 'dead'
            ? 'failed'
            : r.attempts > 0
              ? 'retrying'
              : 'queued',
      attempts: r.attempts,
      createdAt: r.created_at,
      sentAt: r.sent_at ?? r.carrier_sent_at ?? null,
      lastError: r.last_error,
    };
  });
}
