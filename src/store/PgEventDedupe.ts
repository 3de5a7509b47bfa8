/** PostgreSQL implementation of the domain's `EventDedupe` port (table `processed_events`). */
import { sql, type Kysely } from 'kysely';
import type { EventDedupe } from '../domain/ports.js';
import type { Database } from './schema.js';
import { currentTx } from './tx-context.js';

/** Remembers `(platform, eventId)` pairs; safe under concurrent deliveries of the same event. */
export class PgEventDedupe implements EventDedupe {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * INSERT … ON CONFLICT: true for the call that inserted the pair; with `retakeAfterMs`, also for
   * the call that takes over an unfinished claim older than that (one caller wins: the update is
   * conditional on the row's current `seen_at`, under the row lock). Safe across instances.
   */
  async firstSeen(platform: string, eventId: string, opts: { retakeAfterMs?: number } = {}): Promise<boolean> {
    const retake = opts.retakeAfterMs;
    const row = await this.db
      .insertInto('processed_events')
      .values({ platform, event_id: eventId })
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
   * store transaction (a command scope) it is part of it: done commits with the command's effects.
   */
  async handled(platform: string, eventId: string): Promise<void> {
    await (currentTx()?.trx ?? this.db)
      .updateTable('processed_events')
      .set({ done_at: sql`now()` })
      .where('platform', '=', platform)
      .where('event_id', '=', eventId)
      .execute();
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
