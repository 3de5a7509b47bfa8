/**
 * Outbox row writes and reads shared by `PgIncidentRepo` (queueing, in the change's transaction)
 * and `PgOutbox` (the worker's side). See `schema.ts` `OutboxTable`.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { OutboxRow, StoredMessageRef } from '../domain/outbox.js';
import type { DeliveryStatus, RoutedDelivery } from '../domain/ports.js';
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
 * Inserts rows, skipping any (key, platform, destination) already queued. Inside a command
 * scope, rows for the origin's own conversation are leased to the command (state `sending`) and
 * collected as its replies. Issues one NOTIFY per transaction (delivered at commit).
 * @returns the rows newly inserted.
 */
export async function insertOutboxRows(
  db: Kysely<Database>,
  tx: TxContext | undefined,
  rows: NewOutboxRow[],
): Promise<OutboxRow[]> {
  const out: OutboxRow[] = [];
  const scope = tx?.command;
  for (const r of rows) {
    const destination = r.destination ?? destinationOf(r.delivery.to);
    const isReply =
      !!scope &&
      scope.origin.platform === r.delivery.platform &&
      (r.asReply === true || (r.kind !== 'card_update' && scope.destination === destination));
    const row = await db
      .insertInto('outbox')
      .values({
        key: r.key,
        platform: r.delivery.platform,
        destination,
        conversation: JSON.stringify(r.delivery.to),
        incident_id: r.incidentId,
        kind: r.kind,
        message: JSON.stringify(r.delivery.message),
        card_ref: r.cardRef ? JSON.stringify(r.cardRef) : null,
        state: isReply ? 'sending' : 'pending',
        lease_until: isReply ? sql<Date>`now() + ${`${scope!.leaseMs} milliseconds`}::interval` : null,
      })
      .onConflict((oc) => oc.columns(['key', 'platform', 'destination']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) continue;
    const mapped = toOutboxRow(row);
    out.push(mapped);
    if (isReply) scope!.replies.push(mapped);
  }
  if (out.some((r) => !scope || r.destination !== scope.destination || r.platform !== scope.origin.platform)) {
    if (!tx?.notified) await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
    if (tx) tx.notified = true;
  }
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
