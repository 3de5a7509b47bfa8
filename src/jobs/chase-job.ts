/**
 * The milestone chase on the scheduler's table (issue 4). One `agenda_jobs` row per (incident,
 * milestone, plan): scheduling a new plan inserts new rows, never touching a running one, in the
 * plan's own transaction (`jobsInTransaction`: rows written by the plan's statement, one NOTIFY,
 * issue 15 item 1). The rows are claimed in batches by the chase sweep (chase-sweep.ts, issue 15 target 3),
 * not by Agenda one at a time; each run works through the due steps (`ChaseService.run`) and its
 * row moves to the next step when the batch ends; a stale or finished chase's row is removed.
 * Each finished run emits `complete:milestone-chase` (a run that threw `fail:milestone-chase`) on
 * the Agenda emitter with a job-like `{attrs: {_id, name, data, lastRunAt, lastFinishedAt, nextRunAt}}`
 * (`lastFinishedAt`: when the batch was recorded).
 * A reconcile pass at start-up and every `reconcileEveryMs` re-creates the row of any open
 * milestone that lost it (e.g. a crash between commit and scheduling); duplicates are harmless
 * because every step is claimed exactly once in the database.
 */
import type { Logger } from 'pino';
import type { SchedulerConfig } from '../config/schema.js';
import type { ChaseService } from '../domain/deadlines/ChaseService.js';
import type { ChaseClaims, ChaseRun, ChaseScheduler, ClaimedChase, Clock } from '../domain/ports.js';
import type { Scheduler } from './agenda.js';
import { ChaseSweep } from './chase-sweep.js';

/** Agenda job name of a milestone chase run. */
export const CHASE_JOB = 'milestone-chase';
/** Agenda job name of the reconcile pass. */
export const RECONCILE_JOB = 'milestone-chase-reconcile';

/** The chase job's Agenda settings (config `scheduler.chase`). */
export type ChaseJobSettings = SchedulerConfig['chase'];

/** Where the reconcile pass finds open milestones under their incident's active plan. */
export interface ActiveMilestoneSource {
  activeOpenMilestones(): Promise<ChaseRun[]>;
}

/**
 * Defines the chase jobs on the scheduler and returns the `ChaseScheduler` the planner uses.
 * Times are mapped from the domain clock to real time (`real = Date.now() + (at − clock.now())`),
 * so a test clock and the real scheduler agree.
 */
export function defineChaseJobs(opts: {
  scheduler: Scheduler;
  chase: ChaseService;
  clock: Clock;
  logger: Logger;
  source: ActiveMilestoneSource;
  reconcileEveryMs?: number;
  /** Batch claims over the chase rows (`store/PgChaseQueue` over `agenda_jobs`, built by the composition root). */
  claims: ChaseClaims<ChaseRun>;
  /** Longest sleep of the sweep without a wake-up, ms (the scheduler's poll). Default 1000. */
  pollMs?: number;
  /**
   * The sweep's settings (config `scheduler.chase`, defaults in config/schema.ts): runs at once,
   * rows per claim, lease in ms, retry delay of a run that threw in ms.
   */
  settings: ChaseJobSettings;
  /** Receives each run's lateness, ms (actual start minus its planned time; metrics). */
  onLateness?: (ms: number) => void;
}): ChaseJobs {
  const { agenda } = opts.scheduler;
  const settings = opts.settings;
  const realTime = (at: Date) => new Date(Date.now() + (at.getTime() - opts.clock.now().getTime()));

  const schedule = async (run: ChaseRun, at: Date, insertOnly = false): Promise<void> => {
    await agenda
      .create(CHASE_JOB, { ...run })
      .unique({ 'data.incidentId': run.incidentId, 'data.key': run.key, 'data.planId': run.planId }, { insertOnly })
      .schedule(realTime(at))
      .save();
  };

  // Chase rows are Agenda's rows but not Agenda's jobs: no definition, so Agenda never locks them;
  // the sweep claims them in batches (chase-sweep.ts).
  const queue = opts.claims;
  const jobLike = (row: ClaimedChase<ChaseRun>, startedAt: Date | undefined, next: Date | null) => ({
    attrs: {
      _id: row.id,
      name: CHASE_JOB,
      data: row.data,
      lastRunAt: startedAt,
      lastFinishedAt: new Date(),
      nextRunAt: next,
    },
  });
  const sweep: ChaseSweep<ChaseRun> = new ChaseSweep<ChaseRun>({
    claims: queue,
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    lockLifetimeMs: settings.lockLifetimeMs,
    retryMs: settings.retryMs,
    pollMs: opts.pollMs ?? 1000,
    runOne: async (row, startedAt) => {
      const run = row.data;
      opts.onLateness?.(Math.max(0, startedAt.getTime() - row.plannedAt.getTime()));
      const out = await opts.chase.run(run);
      if (out.fired.length)
        opts.logger.info({ ...run, fired: out.fired, next: out.next?.toISOString() ?? null }, 'chase steps fired');
      return out.next ? realTime(out.next) : null;
    },
    onComplete: (row, startedAt, next) => agenda.emit(`complete:${CHASE_JOB}`, jobLike(row, startedAt, next)),
    onFail: (row, err) => {
      opts.scheduler.reportError(err, `job ${CHASE_JOB}`);
      agenda.emit(`fail:${CHASE_JOB}`, err, jobLike(row, undefined, null));
    },
    onError: (err) => opts.scheduler.reportError(err, 'chase sweep'),
  });
  opts.scheduler.addWorker(sweep);
  opts.scheduler.onJobSaved((name, at) => {
    if (name !== CHASE_JOB) return;
    if (!at || at.getTime() <= Date.now()) sweep.wake();
    else sweep.wakeAt(at);
  });

  const reconcile = async (): Promise<number> => {
    const runs = await opts.source.activeOpenMilestones();
    for (const r of runs) await schedule(r, opts.clock.now(), true);
    return runs.length;
  };

  agenda.define(
    RECONCILE_JOB,
    async () => {
      const n = await reconcile();
      opts.logger.debug({ milestones: n }, 'chase reconcile pass');
    },
    { removeOnComplete: false, lockLifetime: 20_000 },
  );

  return {
    schedule: (run, at) => schedule(run, at),
    // a new plan's runs are new rows (its plan id is fresh), so no uniqueness check is needed here;
    // the reconcile pass (insert-only, unique per run) finds them as Agenda's own
    jobsInTransaction: (runs) => ({
      name: CHASE_JOB,
      jobs: runs.map((r) => ({ runAt: realTime(r.at), data: { ...r.run } })),
    }),
    reconcile,
    async startReconcile() {
      await reconcile();
      await agenda.every(opts.reconcileEveryMs ?? 10 * 60_000, RECONCILE_JOB, undefined, { skipImmediate: true });
    },
  };
}

/** The chase scheduler plus its reconcile pass. */
export interface ChaseJobs extends ChaseScheduler {
  /** Ensures a pending run for every open milestone of an active plan; returns how many it checked. */
  reconcile(): Promise<number>;
  /** Runs `reconcile` now and then every `reconcileEveryMs` (call after the scheduler started). */
  startReconcile(): Promise<void>;
}
