/**
 * (c) Chase runs through the real scheduler: for each of `incidents` level-II incidents (no quiet
 * hours), `agenda.now(milestone-chase, run)` for the 签收 milestone of the direct-responsible person,
 * timed until the chase sweep reports the run complete (save → LISTEN/NOTIFY wakes the sweep →
 * batch claim → `ChaseService.run` under the incident row lock → notices to the sandbox → the
 * batch's rows saved). Three rounds, with the
 * domain clock moved by hand:
 *   1. 20 min after the report (limit 15 min): the breach fires (rung 1, the owner herself, is
 *      skipped), reminders are superseded — one run at a time;
 *   2. same time again: nothing is due (a no-op run) — one at a time;
 *   3. 65 min after the report: rung 2 (the owner again: skipped) and rung 3 (the first-responsible)
 *      fire for all incidents at once (burst).
 * Checks the ledger afterwards: every incident breached once and escalated exactly once.
 */
import type { Job } from 'agenda';
import { sql } from 'kysely';
import type { ChaseRun } from '../src/domain/ports.js';
import { CHASE_JOB } from '../src/jobs/chase-job.js';
import { type BenchApp, BenchClock, startBenchApp } from './lib/env.js';
import { reportIncident } from './lib/report.js';
import { type BenchRow, latencyRow, percentile, runPool } from './lib/stats.js';

/** Sizes of the run. */
export interface ChaseBenchOptions {
  /** Incidents (one chase run per incident per round). */
  incidents: number;
}

const MINUTE = 60_000;
const OWNER = 'wufang'; // 社会救助股 direct-responsible: milestone key `ack:wufang`
const RUN_TIMEOUT_MS = 30_000;

/**
 * Waits for chase runs to finish: one `complete:`/`fail:` listener pair on Agenda serves every
 * waiter, keyed by incident and milestone (one outstanding run per key).
 */
class RunWaiters {
  private readonly waiting = new Map<string, { resolve(job: Job<ChaseRun>): void; reject(err: Error): void }>();
  private readonly onComplete = (job: Job<ChaseRun>) => this.waiting.get(RunWaiters.key(job.attrs.data))?.resolve(job);
  private readonly onFail = (err: Error, job: Job<ChaseRun>) =>
    this.waiting.get(RunWaiters.key(job.attrs.data))?.reject(err);

  constructor(private readonly app: BenchApp) {
    app.scheduler.agenda.on(`complete:${CHASE_JOB}`, this.onComplete as never);
    app.scheduler.agenda.on(`fail:${CHASE_JOB}`, this.onFail as never);
  }

  private static key(run: ChaseRun): string {
    return `${run.incidentId}/${run.key}`;
  }

  /** Resolves with the job when the run for `run` completes; rejects if it fails or times out. */
  next(run: ChaseRun): Promise<Job<ChaseRun>> {
    const key = RunWaiters.key(run);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => settle(() => reject(new Error(`chase run ${key} did not complete in ${RUN_TIMEOUT_MS} ms`))),
        RUN_TIMEOUT_MS,
      );
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        fn();
      };
      this.waiting.set(key, {
        resolve: (job) => settle(() => resolve(job)),
        reject: (err) => settle(() => reject(err)),
      });
    });
  }

  close(): void {
    this.app.scheduler.agenda.off(`complete:${CHASE_JOB}`, this.onComplete as never);
    this.app.scheduler.agenda.off(`fail:${CHASE_JOB}`, this.onFail as never);
  }
}

/** Queues one run now and resolves with the job's own run time (lastRunAt → lastFinishedAt, ms). */
async function chaseNow(app: BenchApp, waiters: RunWaiters, run: ChaseRun): Promise<number> {
  const completed = waiters.next(run);
  await app.scheduler.agenda.now<ChaseRun>(CHASE_JOB, { ...run });
  const job = await completed;
  const { lastRunAt, lastFinishedAt } = job.attrs;
  return lastRunAt && lastFinishedAt ? lastFinishedAt.getTime() - lastRunAt.getTime() : NaN;
}

/** Runs (c) on its own bot; stops it before returning or throwing. */
export async function benchChase(o: ChaseBenchOptions): Promise<BenchRow[]> {
  const clock = new BenchClock();
  const app = await startBenchApp({ clock });
  const waiters = new RunWaiters(app);
  try {
    const runs: ChaseRun[] = [];
    for (let i = 0; i < o.incidents; i += 1) {
      const incidentId = await reportIncident(app, `CHASE-${i}`, '二级');
      const { incident } = await app.incidents.view({ kind: 'system' }, incidentId);
      runs.push({ incidentId, key: `ack:${OWNER}`, planId: incident.planId! });
    }
    const rows: BenchRow[] = [];
    const round = async (label: string, concurrency: number, note: string) => {
      const handler: number[] = [];
      const r = await runPool(runs.length, concurrency, async (i) => {
        handler.push(await chaseNow(app, waiters, runs[i]));
      });
      rows.push(
        latencyRow(
          '(c) chase run via Agenda',
          label,
          r.latencies,
          r.wallMs,
          `${note}; inside the job (ChaseService.run) p50 ${percentile(handler, 50)} ms, p95 ${percentile(handler, 95)} ms`,
        ),
      );
    };

    clock.advance(20 * MINUTE);
    await round('breach, one at a time', 1, 'queue → complete');
    await round('nothing due, one at a time', 1, 'no-op: row lock, re-check, next step time');
    clock.advance(45 * MINUTE);
    await round(`rung 3, all ${runs.length} at once`, runs.length, 'the chase sweep runs 5 at a time');

    const { rows: counts } = await sql<{ kind: string; n: string }>`
      SELECT kind, count(*) AS n FROM ledger_entries
      WHERE kind IN ('milestone.breached', 'milestone.escalated') AND payload->>'key' = ${`ack:${OWNER}`}
      GROUP BY kind`.execute(app.store.db);
    const n = Object.fromEntries(counts.map((c) => [c.kind, Number(c.n)]));
    if (n['milestone.breached'] !== runs.length || n['milestone.escalated'] !== runs.length) {
      throw new Error(`chase ledger mismatch: ${JSON.stringify(n)} for ${runs.length} incidents`);
    }
    return rows;
  } finally {
    waiters.close();
    await app.stop();
  }
}
