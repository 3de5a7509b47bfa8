/**
 * The outbox's worker side over PostgreSQL (`domain/outbox.ts` `OutboxPort`): claiming with
 * `FOR UPDATE SKIP LOCKED` + a lease, one in flight and oldest first per (platform, destination),
 * the sliding rate window shared by every instance (a log of recent sends per destination), merging a destination's queue when it is over its
 * limit, dead letters (with a `message.failed` ledger entry), admin retries, card references and
 * the command scope (`withinCommand`) that makes a command's reply part of its transaction.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { createHash } from 'node:crypto';
import {
  type CardUpdateQueue,
  limitFor,
  type OutboxClaim,
  type OutboxListRow,
  type OutboxPort,
  type OutboxRow,
  type OutboxStats,
  type RateLimit,
  type ReplyOrigin,
  type StoredCardRef,
  type StoredMessageRef,
} from '../domain/outbox.js';
import type { RoutedDelivery } from '../domain/ports.js';
import { insertOutboxRows, toOutboxRow } from './outbox-sql.js';
import type { PgUnitOfWork } from './PgUnitOfWork.js';
import type { Database } from './schema.js';
import { currentTx, destinationOf, type CommandScope } from './tx-context.js';

/** UTF-8 size of a string, in bytes. */
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A card as plain text lines (title, description, fields), for a merged message that carries none. */
function cardText(card: NonNullable<RoutedDelivery['message']['card']>): string {
  return [`**${card.title}**`, card.description ?? '', ...(card.fields ?? []).map((f) => `${f.label}：${f.value}`)]
    .filter(Boolean)
    .join('\n');
}

/**
 * Merges `rest` into `head` (in order) while the text stays within `maxBytes`: texts joined by a
 * blank line, mentions united, the first card kept (later cards as text). Returns the merged
 * message and how many of `rest` it took.
 */
export function mergeMessages(
  head: RoutedDelivery['message'],
  rest: Array<RoutedDelivery['message']>,
  maxBytes: number,
): { message: RoutedDelivery['message']; taken: number } {
  const out = { ...head, mentions: [...(head.mentions ?? [])] };
  let taken = 0;
  for (const m of rest) {
    const extra = m.card && out.card ? `${m.text}\n${cardText(m.card)}` : m.text;
    const text = `${out.text}\n\n${extra}`;
    if (bytes(text) + (out.card ? bytes(cardText(out.card)) : 0) > maxBytes) break;
    out.text = text;
    for (const u of m.mentions ?? []) if (!out.mentions.includes(u)) out.mentions.push(u);
    if (m.card && !out.card) out.card = m.card;
    taken++;
  }
  return { message: out, taken };
}

/**
 * `WITH RECURSIVE heads (platform, destination, id)`: each destination's head, its oldest pending
 * or sending row (one in flight per destination, oldest first), optionally for some platforms.
 * One probe of `outbox_queue_idx` per destination (a loose index scan): `DISTINCT ON` read every
 * queued row, so draining a backlog of n rows cost n² (bench (i), bench/RESULTS.md section 3).
 * Callers take the rows by `id = ANY (ARRAY(SELECT id FROM heads))`, by primary key: a join let
 * the planner walk `outbox_pkey` over every row already sent.
 */
function headsCte(onlyPlatforms: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    WITH RECURSIVE heads AS (
      (SELECT platform, destination, id FROM outbox
        WHERE state IN ('pending', 'sending') ${onlyPlatforms}
        ORDER BY platform, destination, id LIMIT 1)
      UNION ALL
      SELECT n.platform, n.destination, n.id FROM heads h
       CROSS JOIN LATERAL (
         SELECT platform, destination, id FROM outbox
          WHERE state IN ('pending', 'sending') ${onlyPlatforms}
            AND (platform, destination) > (h.platform, h.destination)
          ORDER BY platform, destination, id LIMIT 1) n
    )`;
}

export class PgOutbox implements OutboxPort {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly uow: PgUnitOfWork,
  ) {}

  async claim(
    max: number,
    leaseMs: number,
    limits: Record<string, RateLimit>,
    platforms?: readonly string[],
  ): Promise<OutboxClaim> {
    if (platforms && platforms.length === 0) return { rows: [], limited: [] };
    const onlyPlatforms = platforms ? sql`AND platform = ANY(${[...platforms]}::text[])` : sql``;
    return this.db.transaction().execute(async (trx) => {
      const { rows: heads } = await sql<{ id: string }>`
        ${headsCte(onlyPlatforms)}
        SELECT o.id FROM outbox o
        WHERE o.id = ANY (ARRAY(SELECT id FROM heads))
          AND o.next_attempt_at <= now() AND (o.state = 'pending' OR o.lease_until < now())
        ORDER BY o.id
        LIMIT ${max}
        FOR UPDATE OF o SKIP LOCKED`.execute(trx);
      const out: OutboxClaim = { rows: [], limited: [] };
      if (!heads.length) return out;
      const now = (await sql<{ now: Date }>`SELECT now() AS now`.execute(trx)).rows[0].now;
      for (const { id } of heads) {
        const row = await trx.selectFrom('outbox').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow();
        // a card update is another API than posting (WeCom update_template_card, DingTalk card
        // instances): not counted in, nor held back by, the robot's message window
        const limit = row.kind === 'card_update' ? undefined : limitFor(limits, row.platform, row.destination);
        if (limit) {
          // The destination's head row is locked by this claim, so no other claim counts it now.
          const windows = [{ limit: limit.limit, windowMs: limit.windowMs }, ...(limit.also ?? [])];
          const margin = (w: { windowMs: number }) => Math.max(250, w.windowMs / 20);
          const longest = windows.reduce((a, w) => (w.windowMs + margin(w) > a.windowMs + margin(a) ? w : a));
          const since = new Date(now.getTime() - longest.windowMs - margin(longest));
          await trx
            .deleteFrom('delivery_sends')
            .where('platform', '=', row.platform)
            .where('destination', '=', row.destination)
            .where('sent_at', '<=', since)
            .execute();
          const recent = await trx
            .selectFrom('delivery_sends')
            .select(['sent_at'])
            .where('platform', '=', row.platform)
            .where('destination', '=', row.destination)
            .orderBy('sent_at')
            .execute();
          // free again when the oldest send in a full window leaves it, plus a margin: the platform
          // counts by its receipt time, a little after our claim (network, clocks)
          let freeAt: Date | undefined;
          for (const w of windows) {
            const inWindow = recent.filter((r) => r.sent_at.getTime() > now.getTime() - w.windowMs - margin(w));
            if (inWindow.length < w.limit) continue;
            const at = new Date(inWindow[inWindow.length - w.limit].sent_at.getTime() + w.windowMs + margin(w));
            if (!freeAt || at > freeAt) freeAt = at;
          }
          if (freeAt) {
            const merged = await this.mergeQueued(trx, toOutboxRow(row), limit);
            await trx
              .updateTable('outbox')
              .set({ state: 'pending', lease_until: null, next_attempt_at: freeAt })
              .where('id', '=', row.id)
              .execute();
            out.limited.push({ platform: row.platform, destination: row.destination, merged });
            continue;
          }
          await trx
            .insertInto('delivery_sends')
            .values({ platform: row.platform, destination: row.destination, sent_at: now })
            .execute();
        }
        await trx
          .updateTable('outbox')
          .set({ state: 'sending', lease_until: new Date(now.getTime() + leaseMs) })
          .where('id', '=', row.id)
          .execute();
        out.rows.push(toOutboxRow(row));
      }
      return out;
    });
  }

  /**
   * Folds the destination's other pending rows into `head` (nothing is dropped: every text,
   * mention and incident id survives; rows that would not fit stay queued). Returns how many.
   */
  private async mergeQueued(trx: Kysely<Database>, head: OutboxRow, limit: Omit<RateLimit, 'direct'>): Promise<number> {
    const rest = await trx
      .selectFrom('outbox')
      .selectAll()
      .where('platform', '=', head.platform)
      .where('destination', '=', head.destination)
      .where('state', '=', 'pending')
      .where('id', '>', head.id)
      .orderBy('id')
      .limit(200)
      .forUpdate()
      .execute();
    if (!rest.length) return 0;
    const { message, taken } = mergeMessages(
      head.message,
      rest.map((r) => toOutboxRow(r).message),
      limit.mergeMaxBytes ?? 4000,
    );
    if (!taken) return 0;
    const ids = rest.slice(0, taken).map((r) => r.id);
    await trx
      .updateTable('outbox')
      .set({ message: JSON.stringify(message) })
      .where('id', '=', head.id)
      .execute();
    await trx.updateTable('outbox').set({ state: 'merged', merged_into: head.id }).where('id', 'in', ids).execute();
    // a merged row's own merged rows follow it
    await trx.updateTable('outbox').set({ merged_into: head.id }).where('merged_into', 'in', ids).execute();
    return taken;
  }

  /** One statement: the row marked sent and, for a card, where it went remembered (`rememberCard`). */
  async markSent(id: number, ref: StoredMessageRef | null): Promise<void> {
    if (!ref) {
      await this.db
        .updateTable('outbox')
        .set({ state: 'sent', sent_at: sql<Date>`now()`, lease_until: null, last_error: null, sent_ref: null })
        .where('id', '=', id)
        .execute();
      return;
    }
    const stored: StoredMessageRef = { platform: ref.platform, id: ref.id, platformRef: ref.platformRef };
    await sql`
      WITH sent AS (
        UPDATE outbox SET state = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL,
                          sent_ref = ${JSON.stringify(ref)}::jsonb
         WHERE id = ${id}
        RETURNING message, conversation)
      INSERT INTO card_refs (card_id, platform, ref_id, ref, conversation)
      SELECT message->'card'->>'id', ${ref.platform}::text, ${ref.id}::text, ${JSON.stringify(stored)}::jsonb,
             CASE WHEN coalesce(conversation->>'chatId', '') <> '' OR coalesce(conversation->>'userId', '') <> ''
                  THEN conversation END
        FROM sent
       WHERE jsonb_typeof(message->'card') = 'object'
      ON CONFLICT (card_id, platform, ref_id) DO NOTHING`.execute(this.db);
  }

  async markRetry(id: number, error: string, delayMs: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({
        state: 'pending',
        lease_until: null,
        attempts: sql`attempts + 1`,
        last_error: error.slice(0, 500),
        next_attempt_at: sql<Date>`now() + ${`${Math.max(0, Math.round(delayMs))} milliseconds`}::interval`,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Fills the destination's sliding window (the platform said "too many": 45009): its queue waits a whole window. */
  async saturate(platform: string, destination: string, limits: Record<string, RateLimit>): Promise<void> {
    const limit = limitFor(limits, platform, destination);
    if (!limit) return;
    await sql`
      INSERT INTO delivery_sends (platform, destination, sent_at)
      SELECT ${platform}, ${destination}, now() FROM generate_series(1, ${limit.limit})`.execute(this.db);
  }

  /** How long the row has been failing: ms since its retry period began (creation or an admin retry). */
  async failingForMs(id: number): Promise<number> {
    const r = await sql<{ ms: number }>`
      SELECT (extract(epoch from now() - retry_since) * 1000)::float8 AS ms FROM outbox WHERE id = ${id}`.execute(
      this.db,
    );
    return Number(r.rows[0]?.ms ?? 0);
  }

  async markDead(id: number, error: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('outbox')
        .set({
          state: 'dead',
          dead_at: sql<Date>`now()`,
          lease_until: null,
          attempts: sql`attempts + 1`,
          last_error: error.slice(0, 500),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) return;
      const merged = await trx.selectFrom('outbox').select(['incident_id']).where('merged_into', '=', id).execute();
      const incidents = new Set([row.incident_id, ...merged.map((m) => m.incident_id)].filter((x) => !!x));
      for (const incidentId of incidents) {
        await trx
          .insertInto('ledger_entries')
          .values({
            incident_id: incidentId,
            actor: 'system',
            kind: 'message.failed',
            at: new Date(),
            payload: JSON.stringify({
              outboxId: Number(row.id),
              key: row.key,
              platform: row.platform,
              destination: row.destination,
              attempts: row.attempts,
              error: row.last_error,
            }),
          })
          .execute();
      }
    });
  }

  async deadLetter(id: number): Promise<{ incidentId: string | null } | undefined> {
    const r = await this.db
      .selectFrom('outbox')
      .select(['incident_id'])
      .where('id', '=', id)
      .where('state', '=', 'dead')
      .executeTakeFirst();
    return r ? { incidentId: r.incident_id } : undefined;
  }

  async retryDead(which: number | 'all'): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable('outbox')
        .set({
          state: 'pending',
          dead_at: null,
          attempts: 0,
          next_attempt_at: sql<Date>`now()`,
          retry_since: sql<Date>`now()`,
        })
        .where('state', '=', 'dead');
      if (which !== 'all') q = q.where('id', '=', which);
      const rows = await q.returning(['id', 'incident_id', 'key', 'platform']).execute();
      for (const r of rows) {
        if (!r.incident_id) continue;
        await trx
          .insertInto('ledger_entries')
          .values({
            incident_id: r.incident_id,
            actor: 'system',
            kind: 'message.requeued',
            at: new Date(),
            payload: JSON.stringify({ outboxId: Number(r.id), key: r.key, platform: r.platform }),
          })
          .execute();
      }
      if (rows.length) await sql`SELECT pg_notify('yuqing_outbox', '')`.execute(trx);
      return rows.length;
    });
  }

  async list(which: 'pending' | 'dead', limit: number): Promise<OutboxListRow[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select([
        'id',
        'platform',
        'destination',
        'key',
        'incident_id',
        'state',
        'attempts',
        'last_error',
        'created_at',
        'next_attempt_at',
        'dead_at',
      ])
      .where('state', 'in', which === 'dead' ? ['dead'] : ['pending', 'sending'])
      .orderBy(which === 'dead' ? 'dead_at' : 'created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      platform: r.platform,
      destination: r.destination,
      key: r.key,
      incidentId: r.incident_id,
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
      nextAttemptAt: r.next_attempt_at,
      deadAt: r.dead_at,
    }));
  }

  async stats(): Promise<{ platforms: OutboxStats[]; lastError: { id: number; error: string; at: Date } | null }> {
    const { rows } = await sql<{
      platform: string;
      pending: string;
      retrying: string;
      sent: string;
      dead: string;
    }>`
      SELECT platform,
        count(*) FILTER (WHERE state IN ('pending', 'sending') AND attempts = 0) AS pending,
        count(*) FILTER (WHERE state IN ('pending', 'sending') AND attempts > 0) AS retrying,
        count(*) FILTER (WHERE state IN ('sent', 'merged')) AS sent,
        count(*) FILTER (WHERE state = 'dead') AS dead
      FROM outbox GROUP BY platform ORDER BY platform`.execute(this.db);
    const last = await this.db
      .selectFrom('outbox')
      .select(['id', 'last_error', 'dead_at'])
      .where('state', '=', 'dead')
      .orderBy('dead_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return {
      platforms: rows.map((r) => ({
        platform: r.platform,
        pending: Number(r.pending),
        retrying: Number(r.retrying),
        sent: Number(r.sent),
        dead: Number(r.dead),
      })),
      lastError: last ? { id: Number(last.id), error: last.last_error ?? '', at: last.dead_at! } : null,
    };
  }

  /** Over the destinations' heads only: a row behind its head waits for the head, whose end wakes the worker. */
  async nextDueAt(): Promise<Date | null> {
    const r = await sql<{ at: Date | null }>`
      ${headsCte(sql``)}
      SELECT min(CASE WHEN state = 'pending' THEN next_attempt_at ELSE lease_until END) AS at
      FROM outbox WHERE id = ANY (ARRAY(SELECT id FROM heads))`.execute(this.db);
    return r.rows[0]?.at ?? null;
  }

  async cardRefs(cardId: string, platform: string, db: Kysely<Database> = this.db): Promise<StoredCardRef[]> {
    const rows = await db
      .selectFrom('card_refs')
      .select(['ref', 'conversation'])
      .where('card_id', '=', cardId)
      .where('platform', '=', platform)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      ...(r.ref as unknown as StoredMessageRef),
      ...(r.conversation ? { conversation: r.conversation as RoutedDelivery['to'] } : {}),
    }));
  }

  async rememberCard(cardId: string, ref: StoredMessageRef, conversation?: RoutedDelivery['to']): Promise<void> {
    const stored: StoredMessageRef = { platform: ref.platform, id: ref.id, platformRef: ref.platformRef };
    await this.db
      .insertInto('card_refs')
      .values({
        card_id: cardId,
        platform: ref.platform,
        ref_id: ref.id,
        ref: JSON.stringify(stored),
        conversation:
          conversation && (conversation.chatId || conversation.userId) ? JSON.stringify(conversation) : null,
      })
      .onConflict((oc) => oc.columns(['card_id', 'platform', 'ref_id']).doNothing())
      .execute();
  }

  async forgetCardRef(cardId: string, platform: string, refId: string): Promise<void> {
    await this.db
      .deleteFrom('card_refs')
      .where('card_id', '=', cardId)
      .where('platform', '=', platform)
      .where('ref_id', '=', refId)
      .execute();
  }

  async withinCommand<T>(
    origin: ReplyOrigin,
    leaseMs: number,
    fn: (say: (m: RoutedDelivery['message']) => Promise<void>, cards: CardUpdateQueue) => Promise<T>,
  ): Promise<{ value: T; replies: OutboxRow[] }> {
    const to = origin.chatId ? { chatId: origin.chatId } : { userId: origin.userId };
    const scope: CommandScope = { origin, destination: destinationOf(to), leaseMs, replies: [], says: 0 };
    const say = async (message: RoutedDelivery['message']) => {
      const tx = currentTx();
      if (!tx) throw new Error('withinCommand: say() called outside its scope');
      scope.says += 1;
      await insertOutboxRows(tx.trx, tx, [
        {
          key: `reply:${origin.platform}:${origin.eventId}:${scope.says}`,
          incidentId: null,
          kind: 'reply',
          delivery: { platform: origin.platform, to, message },
        },
      ]);
    };
    const inScope = () => {
      const tx = currentTx();
      if (!tx) throw new Error('withinCommand: a card update queued outside its scope');
      return tx;
    };
    const cause = `${origin.platform}:${origin.eventId}`;
    const hash = (card: object) => createHash('sha256').update(JSON.stringify(card)).digest('hex').slice(0, 12);
    const cardMessage = (card: NonNullable<RoutedDelivery['message']['card']>): RoutedDelivery['message'] => ({
      text: '',
      mentions: [],
      card,
    });
    const cards: CardUpdateQueue = {
      refresh: async (card, skipRefId) => {
        const tx = inScope();
        const refs = await this.cardRefs(card.id, origin.platform, tx.trx);
        await insertOutboxRows(
          tx.trx,
          tx,
          refs
            .filter((r) => r.id !== skipRefId)
            .map(({ conversation, ...ref }) => ({
              key: `card:${card.id}:${ref.id}:${cause}:${hash(card)}`,
              incidentId: null,
              kind: 'card_update' as const,
              destination: `card:${ref.id}`,
              cardRef: ref,
              delivery: { platform: origin.platform, to: conversation ?? {}, message: cardMessage(card) },
            })),
        );
      },
      inline: async (card, clickedRefId) => {
        const tx = inScope();
        const clicked = clickedRefId
          ? (await this.cardRefs(card.id, origin.platform, tx.trx)).find((r) => r.id === clickedRefId)
          : undefined;
        const { conversation, ...cardRef } = clicked ?? { conversation: undefined };
        await insertOutboxRows(tx.trx, tx, [
          {
            key: `card:${card.id}:inline:${cause}:${hash(card)}`,
            incidentId: null,
            kind: 'card_update',
            destination: clicked ? `card:${clicked.id}` : `card:inline:${origin.eventId}`,
            cardRef: clicked ? (cardRef as StoredMessageRef) : null,
            asReply: true,
            delivery: { platform: origin.platform, to: conversation ?? to, message: cardMessage(card) },
          },
        ]);
      },
    };
    const value = await this.uow.outer(scope, () => fn(say, cards));
    return { value, replies: scope.replies };
  }

  async release(id: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'pending', lease_until: null, next_attempt_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .execute();
    await sql`SELECT pg_notify('yuqing_outbox', '')`.execute(this.db);
  }
}
