/**
 * The milestone chase as Agenda jobs (issue 4). One job row per (incident, milestone, plan):
 * scheduling a new plan inserts new rows, never touching a running one, in the plan's own
 * transaction (`scheduleInTransaction`: one multi-row INSERT and one NOTIFY, issue 15 item 1); each run works through
 * the due steps (`ChaseService.run`) and moves its own `nextRunAt` to the next step (Agenda saves
 * it when the run ends); a stale or finished chase leaves `nextRunAt` empty and the row is removed.
 * A reconcile pass at start-up and every `reconcileEveryMs` re-creates the row of any open
 * milestone that lost it (e.g. a crash between commit and scheduling); duplicates are harmless
 * because every step is claimed exactly once in the database.
 */
import type { Job } from 'agenda';
import type { Logger } from 'pino';
import { SCHEDULER_DEFAULTS, type SchedulerConfig } from '../config/schema.js';
import type { ChaseService } from '../domain/deadlines/ChaseService.js';
import type { ChaseRun, ChaseScheduler, Clock } from '../domain/ports.js';
import type { Scheduler } from './agenda.js';

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
  /**
   * Agenda settings of the chase job (config `scheduler.chase`): runs at once, runs locked at once
   * (0 = no limit), lock lifetime in ms. Defaults: 5, 100, 20000 (SCHEDULER_DEFAULTS).
   */
  settings?: Partial<ChaseJobSettings>;
  /** Receives each run's lateness, ms (actual start minus its planned time; metrics). */
  onLateness?: (ms: number) => void;
}): ChaseJobs {
  const { agenda } = opts.scheduler;
  const settings: ChaseJobSettings = { ...SCHEDULER_DEFAULTS.chase, ...opts.settings };
  const realTime = (at: Date) => new Date(Date.now() + (at.getTime() - opts.clock.now().getTime()));

  const schedule = async (run: ChaseRun, at: Date, insertOnly = false): Promise<void> => {
    await agenda
      .create(CHASE_JOB, { ...run })
      .unique({ 'data.incidentId': run.incidentId, 'data.key': run.key, 'data.planId': run.planId }, { insertOnly })
      .schedule(realTime(at))
      .save();
  };

  agenda.define<ChaseRun>(
    CHASE_JOB,
    async (job: Job<ChaseRun>) => {
      const run = job.attrs.data;
      const planned = job.attrs.nextRunAt;
      if (planned) opts.onLateness?.(Math.max(0, Date.now() - new Date(planned).getTime()));
      const out = await opts.chase.run(run);
      job.attrs.nextRunAt = out.next ? realTime(out.next) : null;
      if (out.fired.length)
        opts.logger.info({ ...run, fired: out.fired, next: out.next?.toISOString() ?? null }, 'chase steps fired');
    },
    {
      removeOnComplete: true,
      concurrency: settings.concurrency,
      // Agenda reads 0 as "no limit"
      lockLimit: settings.lockLimit,
      lockLifetime: settings.lockLifetimeMs,
    },
  );

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
    scheduleInTransaction: (repo, runs) =>
      repo.queueSchedulerJobs(
        CHASE_JOB,
        runs.map((r) => ({ runAt: realTime(r.at), data: { ...r.run } })),
      ),
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
