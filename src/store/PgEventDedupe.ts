/** PostgreSQL implementation of the domain's `EventDedupe` port (table `processed_events`). */
import type { Kysely } from 'kysely';
import type { EventDedupe } from '../domain/ports.js';
import type { Database } from './schema.js';

/** Remembers `(platform, eventId)` pairs; safe under concurrent deliveries of the same event. */
export class PgEventDedupe implements EventDedupe {
  constructor(private readonly db: Kysely<Database>) {}

  /** INSERT … ON CONFLICT DO NOTHING: true only for the call that inserted the pair. */
  async firstSeen(platform: string, eventId: string): Promise<boolean> {
    const row = await this.db
      .insertInto('processed_events')
      .values({ platform, event_id: eventId })
      .onConflict((oc) => oc.columns(['platform', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    return row !== undefined;
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
