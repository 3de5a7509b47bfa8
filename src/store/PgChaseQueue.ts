/**
 * Batch claims over the scheduler's own rows (issue 15 target 3). Chase runs stay ordinary
 * `agenda_jobs` rows (written by `IncidentRepo.queueSchedulerJobs` and by Agenda's `create().unique()`
 * in the reconcile pass), but they are claimed here many at a time with one
 * `UPDATE … FOR UPDATE SKIP LOCKED LIMIT n` over Agenda's `(name, next_run_at, …)` index instead of
 * Agenda's one lock round trip per job. A claim is a lease: `locked_at` is set to the claim time, and a
 * row whose lease is older than the caller's `lockDeadline` may be claimed again (a crashed
 * instance's rows come back). Finishing is fenced by the lease: a row re-claimed by another
 * instance after its lease ran out is left to that instance.
 */
import type pg from 'pg';
import type { ChaseClaims, ChaseOutcomeRow, ClaimedChase } from '../domain/ports.js';

export type { ChaseOutcomeRow, ClaimedChase } from '../domain/ports.js';

/** Claims and finishes `agenda_jobs` rows of one job name in batches. */
export class PgChaseQueue<D = Record<string, unknown>> implements ChaseClaims<D> {
  constructor(
    private readonly pool: pg.Pool,
    /** The Agenda job name of the rows. */
    private readonly name: string,
  ) {}

  /**
   * Claims at most `limit` rows due at `now` (unlocked with `next_run_at` ≤ now, or with a lease
   * older than `lockDeadline`), earliest first, skipping rows another transaction holds. One
   * round trip. Times are the caller's (ms precision), as Agenda's own locking uses.
   */
  async claim(opts: { now: Date; lockDeadline: Date; limit: number; owner?: string }): Promise<ClaimedChase<D>[]> {
    const { rows } = await this.pool.query<{ id: string; data: D; next_run_at: Date; locked_at: Date }>(
      `UPDATE agenda_jobs AS j
          SET locked_at = $1, last_run_at = $1, last_modified_by = $5
         FROM (SELECT id FROM agenda_jobs
                WHERE name = $2 AND disabled = FALSE
                  AND ((locked_at IS NULL AND next_run_at <= $1) OR locked_at <= $3)
                ORDER BY next_run_at, priority DESC
                LIMIT $4
                FOR UPDATE SKIP LOCKED) AS due
        WHERE j.id = due.id
      RETURNING j.id, j.data, j.next_run_at, j.locked_at`,
      [opts.now, this.name, opts.lockDeadline, opts.limit, opts.owner ?? null],
    );
    return rows
      .map((r) => ({ id: r.id, data: r.data, plannedAt: r.next_run_at, lockedAt: r.locked_at }))
      .sort((a, b) => a.plannedAt.getTime() - b.plannedAt.getTime());
  }

  /**
   * Ends claimed rows in one round trip: a row with a `next` time is released to run then, a row
   * with `next` null is removed. A row whose `locked_at` no longer equals its lease (re-claimed by
   * another instance after the lease ran out) is not touched.
   */
  async finish(rows: ReadonlyArray<ChaseOutcomeRow>, at: Date): Promise<void> {
    if (rows.length === 0) return;
    const again = rows.filter((r): r is Extract<ChaseOutcomeRow, { next: Date }> => r.next !== null);
    const gone = rows.filter((r) => r.next === null);
    await this.pool.query(
      `WITH moved AS (
         UPDATE agenda_jobs AS j SET next_run_at = t.next, locked_at = NULL, last_finished_at = $7
           FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS t(id, lease, next)
          WHERE j.id = t.id AND j.locked_at = t.lease
         RETURNING j.id),
       removed AS (
         DELETE FROM agenda_jobs AS j
          USING unnest($4::uuid[], $5::timestamptz[]) AS t(id, lease)
          WHERE j.id = t.id AND j.locked_at = t.lease AND j.name = $6
         RETURNING j.id)
       SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM removed) AS removed`,
      [
        again.map((r) => r.id),
        again.map((r) => r.lockedAt),
        again.map((r) => r.next),
        gone.map((r) => r.id),
        gone.map((r) => r.lockedAt),
        this.name,
        at,
      ],
    );
  }
}
