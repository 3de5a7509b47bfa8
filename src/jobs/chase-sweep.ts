/**
 * The chase sweep (issue 15 target 3): due `milestone-chase` rows are claimed in batches
 * (`PgChaseQueue.claim`, one round trip per batch) and run a few at a time, and each batch is ended
 * in one round trip (`PgChaseQueue.finish`), instead of Agenda's lock, two state saves, three
 * NOTIFYs and a DELETE per run (bench/RESULTS.md section 3). It wakes on every poll, on the
 * scheduler's NOTIFY of a new chase row and at each next step it set itself; it sweeps again at
 * once while batches come back full. The guarantees stay where they were: each step is claimed
 * once in `chase_steps` by `ChaseService.run`, a stale plan is a no-op there, two instances never
 * hold one row at once (SKIP LOCKED plus the lease that fences `finish`), and a crashed instance's
 * claimed rows come back after `lockLifetimeMs`.
 */
import type { ChaseClaims, ClaimedChase } from '../domain/ports.js';

export type { ChaseClaims } from '../domain/ports.js';

/** Options of {@link ChaseSweep}. */
export interface ChaseSweepOptions<D> {
  claims: ChaseClaims<D>;
  /** Runs one claimed row; resolves with the real time of its next run, or null when it is finished. */
  runOne: (row: ClaimedChase<D>, startedAt: Date) => Promise<Date | null>;
  /** Called after a batch is finished, once per run that ended (`next` null = removed). */
  onComplete: (row: ClaimedChase<D>, startedAt: Date, next: Date | null) => void;
  /** Called for a run that threw (it is released to run again after `retryMs`). */
  onFail: (row: ClaimedChase<D>, err: unknown) => void;
  /** Called for a claim or finish that failed (e.g. the database is down). */
  onError: (err: unknown) => void;
  /** Rows claimed per round trip. */
  batchSize: number;
  /** Runs at once. */
  concurrency: number;
  /** A claim older than this may be claimed again, ms. */
  lockLifetimeMs: number;
  /** Longest sleep without a wake-up, ms. */
  pollMs: number;
  /** A run that threw runs again this much later, ms. */
  retryMs: number;
  /** Written to `last_modified_by`. */
  owner?: string;
}

/** Sweeps due chase rows until stopped. */
export class ChaseSweep<D> {
  private running = false;
  private stopped = true;
  private again = false;
  private poll: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeTimerAt = Number.POSITIVE_INFINITY;
  private current: Promise<void> | undefined;

  constructor(private readonly o: ChaseSweepOptions<D>) {}

  /** Starts polling and sweeps at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.poll = setInterval(() => this.wake(), this.o.pollMs);
    this.wake();
  }

  /** Sweeps now (or right after the sweep in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = this.sweep().finally(() => {
      this.running = false;
    });
  }

  /** Wakes at real time `at` (UTC) if that comes before the next poll. */
  wakeAt(at: Date): void {
    const t = at.getTime();
    const wait = t - Date.now();
    if (this.stopped || wait >= this.o.pollMs || t >= this.wakeTimerAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimerAt = t;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimerAt = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, wait),
    );
  }

  /**
   * Stops waking and waits for the batch in progress (its runs finish and are recorded; rows not
   * started yet are released at once). At most `timeoutMs`.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.wakeTimer);
    this.wakeTimerAt = Number.POSITIVE_INFINITY;
    if (!this.current) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.current, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private async sweep(): Promise<void> {
    for (;;) {
      this.again = false;
      if (this.stopped) return;
      let batch: ClaimedChase<D>[];
      try {
        const now = new Date();
        batch = await this.o.claims.claim({
          now,
          lockDeadline: new Date(now.getTime() - this.o.lockLifetimeMs),
          limit: this.o.batchSize,
          owner: this.o.owner,
        });
      } catch (err) {
        this.o.onError(err);
        return;
      }
      if (batch.length > 0) await this.runBatch(batch);
      if (!(batch.length >= this.o.batchSize || this.again)) return;
    }
  }

  private async runBatch(batch: ClaimedChase<D>[]): Promise<void> {
    const outcomes: Array<{ row: ClaimedChase<D>; startedAt?: Date; next: Date | null; ok: boolean }> = [];
    let i = 0;
    const worker = async () => {
      while (i < batch.length) {
        const row = batch[i++];
        if (this.stopped) {
          // not started: released to run when it was planned (another instance or a restart takes it)
          outcomes.push({ row, next: row.plannedAt, ok: false });
          continue;
        }
        const startedAt = new Date();
        try {
          outcomes.push({ row, startedAt, next: await this.o.runOne(row, startedAt), ok: true });
        } catch (err) {
          this.o.onFail(row, err);
          outcomes.push({ row, startedAt, next: new Date(Date.now() + this.o.retryMs), ok: false });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, batch.length) }, worker));
    try {
      await this.o.claims.finish(
        outcomes.map((x) => ({ id: x.row.id, lockedAt: x.row.lockedAt, next: x.next })),
        new Date(),
      );
    } catch (err) {
      // the rows stay claimed until their lease runs out, then run again (each step is claimed once)
      this.o.onError(err);
      return;
    }
    for (const x of outcomes) {
      if (x.next) this.wakeAt(x.next);
      if (x.ok && x.startedAt) this.o.onComplete(x.row, x.startedAt, x.next);
    }
  }
}
