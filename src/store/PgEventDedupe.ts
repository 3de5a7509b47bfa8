/** PostgreSQL implementation of the domain's `EventDedupe` port (table `processed_events`). */
import { sql, type Kysely } from 'kysely';
import type { EventDedupe } from '../domain/ports.js';
import type { Database } from './schema.js';
import { currentTx } from './tx-context.js';

/** How many committed marks `handled` remembers (a bound: adapters that mark only once never clear theirs). */
const REMEMBERED = 1000;

/** Remembers `(platform, eventId)` pairs; safe under concurrent deliveries of the same event. */
export class PgEventDedupe implements EventDedupe {
  /** Events marked handled in a transaction that committed, not yet marked again (oldest first). */
  private readonly committed = new Set<string>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * INSERT … ON CONFLICT: true for the call that inserted the pair; with `retakeAfterMs`, also for
   * the call that takes over an unfinished claim older than that (one caller wins: the update is
   * conditional on the row's current `seen_at`, under the row lock). Safe across instances.
   */
  async firstSeen(
    platform: string,
    eventId: string,
    opts: { retakeAfterMs?: number; replay?: Record<string, unknown> } = {},
  ): Promise<boolean> {
    const retake = opts.retakeAfterMs;
    const row = await this.db
      .insertInto('processed_events')
      .values({ platform, event_id: eventId, replay: opts.replay ? JSON.stringify(opts.replay) : null })
      .onConflict((oc) =>
        retake === undefined
          ? oc.columns(['platform', 'event_id']).doNothing()
          : oc
              .columns(['platform', 'event_id'])
              .doUpdateSet({ seen_at: sql`now()` })
              .where('processed_events.done_at', 'is', null)
              .where('processed_events.seen_at', '<', sql<Date>`now() - make_interval(secs => ${retake / 1000})`),
      )
      .returning('event_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Marks the event handled (`done_at`), so a later retry is a duplicate for good. Inside a running
   * store transaction (a command scope) it is part of it: done commits with the command's effects,
   * and the adapter's own mark after the handling (its `finally`) then skips the round trip (the
   * last `REMEMBERED` events marked in a committed transaction are remembered for that).
   */
  async handled(platform: string, eventId: string): Promise<void> {
    const key = `${platform}\u0000${eventId}`;
    const tx = currentTx();
    if (!tx && this.committed.delete(key)) return;
    await (tx?.trx ?? this.db)
      .updateTable('processed_events')
      .set({ done_at: sql`now()`, replay: null })
      .where('platform', '=', platform)
      .where('event_id', '=', eventId)
      .execute();
    if (tx)
      tx.after.push(async () => {
        this.committed.add(key);
        if (this.committed.size > REMEMBERED) this.committed.delete(this.committed.values().next().value as string);
      });
  }

  /** See `EventDedupe.takeOverUnfinished`: one conditional UPDATE … RETURNING (SKIP LOCKED across instances). */
  async takeOverUnfinished(
    platform: string,
    opts: { olderThanMs: number; withinMs: number; limit: number },
  ): Promise<Array<{ eventId: string; replay: Record<string, unknown> }>> {
    const r = await sql<{ event_id: string; replay: Record<string, unknown> }>`
      UPDATE processed_events p SET seen_at = now()
        FROM (SELECT platform, event_id FROM processed_events
               WHERE platform = ${platform} AND done_at IS NULL AND replay IS NOT NULL
                 AND seen_at < now() - make_interval(secs => ${opts.olderThanMs / 1000})
                 AND seen_at > now() - make_interval(secs => ${opts.withinMs / 1000})
               ORDER BY seen_at LIMIT ${opts.limit}
               FOR UPDATE SKIP LOCKED) due
       WHERE p.platform = due.platform AND p.event_id = due.event_id
       RETURNING p.event_id, p.replay`.execute(this.db);
    return r.rows.map((x) => ({ eventId: x.event_id, replay: x.replay }));
  }

  /**
   * Forgets events first seen before `before` (housekeeping; keep at least the platforms' retry
   * window). @returns how many were removed.
   */
  async prune(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('processed_events').where('seen_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
