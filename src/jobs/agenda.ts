/**
 * Agenda 6 on PostgreSQL (`@agendajs/postgres-backend`), sharing the app's pg pool. Jobs live in
 * the `agenda_jobs` table of the same database, so they survive restarts and a job whose time
 * passed while the bot was down runs promptly after start-up.
 */
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type pg from 'pg';

/** A started Agenda plus a health probe. */
export interface Scheduler {
  agenda: Agenda;
  /**
   * True between a successful `start()` and `stop()`, unless Agenda failed to reach the database
   * within the last `outageWindowMs` (its polls fail then: it is not running any job).
   */
  isUp(): boolean;
  /** Why `isUp()` is false: `stopped` (not started or stopped) or `database` (polls failing); undefined when up. */
  downReason(): 'stopped' | 'database' | undefined;
  start(): Promise<void>;
  /** Stops processing after running jobs finish (10 s at most); leaves the shared pool open. Idempotent. */
  stop(): Promise<void>;
  /**
   * Adds a worker of our own that runs beside Agenda (the chase sweep): started after Agenda
   * starts, stopped (and awaited) before Agenda stops. Add before `start()`.
   */
  addWorker(w: SchedulerWorker): void;
  /** Offers a worker's error to `absorbError`, else logs it (as Agenda's own errors are). */
  reportError(err: unknown, source: string): void;
  /** Subscribes to the scheduler's NOTIFY of newly saved jobs (`jobName`, `nextRunAt`); returns the unsubscribe. */
  onJobSaved(fn: (jobName: string, nextRunAt: Date | undefined) => void): () => void;
}

/** A worker started and stopped with the scheduler. */
export interface SchedulerWorker {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  pool: pg.Pool;
  logger: Logger;
  /** Polling interval (LISTEN/NOTIFY wakes it earlier for new jobs), ms. Default 1000. */
  processEveryMs?: number;
  /** Jobs of all kinds running at once in this instance (Agenda `maxConcurrency`). Default 20. */
  maxConcurrency?: number;
  /** Jobs of all kinds locked at once in this instance (Agenda `lockLimit`); 0 = no limit. Default 0. */
  lockLimit?: number;
  /** Lock lifetime of a job kind that sets none (Agenda `defaultLockLifetime`), ms. Default 60000. */
  defaultLockLifetimeMs?: number;
  /**
   * Offered every scheduler error first: returns true when it is a database outage it has
   * recorded and logged (once per interval), so the scheduler does not log it again and reports
   * itself down. Default: nothing is absorbed (every error is logged).
   */
  absorbError?: (err: unknown, source: string) => boolean;
  /** How long after the last absorbed outage error `isUp()` stays false, ms. Default max(3 × processEveryMs, 3000). */
  outageWindowMs?: number;
  /** Clock, ms since epoch (default Date.now). */
  now?: () => number;
}

/** Creates the scheduler. Job definitions are added by the job modules before `start()`. */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const now = opts.now ?? Date.now;
  const absorb = opts.absorbError ?? (() => false);
  const processEvery = opts.processEveryMs ?? 1000;
  const outageWindowMs = opts.outageWindowMs ?? Math.max(3 * processEvery, 3000);
  let lastOutageAt: number | undefined;
  const outage = (err: unknown, source: string): boolean => {
    if (!absorb(err, source)) return false;
    lastOutageAt = now();
    return true;
  };
  const backend = new PostgresBackend({ pool: opts.pool });
  // The backend's LISTEN connection reports errors (e.g. the server closing it) on its notification
  // channel; unheard, an 'error' event would crash the process. It reconnects by itself.
  backend.notificationChannel?.on('error', (err: Error) => {
    // while stopping, the database going away with it is expected, not an outage
    if (stopping) {
      opts.logger.debug({ err: err.message }, 'scheduler notification channel closed while stopping');
      return;
    }
    if (!outage(err, 'scheduler notifications'))
      opts.logger.warn({ err: err.message }, 'scheduler notification channel error');
  });
  const agenda = new Agenda({
    backend,
    processEvery: processEvery,
    maxConcurrency: opts.maxConcurrency ?? 20,
    lockLimit: opts.lockLimit ?? 0,
    defaultLockLifetime: opts.defaultLockLifetimeMs ?? 60_000,
  });
  agenda.on('error', (err) => {
    if (!outage(err, 'scheduler')) opts.logger.error({ err }, 'scheduler error');
  });
  agenda.on('fail', (err: Error | string, job: { attrs?: { name?: string } } | { jobName?: string }) => {
    const name = 'attrs' in job ? job.attrs?.name : (job as { jobName?: string }).jobName;
    if (!outage(err, `job ${name}`)) opts.logger.error({ err, job: name }, 'job failed');
  });
  let up = false;
  let stopping: Promise<void> | undefined;
  const workers: SchedulerWorker[] = [];
  const savedListeners = new Set<(jobName: string, nextRunAt: Date | undefined) => void>();
  let unsubscribe: (() => void) | undefined;
  // Jobs running in this process: stop() unlocks the queued ones at once, then waits for these.
  let running = 0;
  const idle = new Set<() => void>();
  agenda.on('start', () => {
    running += 1;
  });
  agenda.on('complete', () => {
    running = Math.max(0, running - 1);
    if (running === 0) for (const fn of idle) fn();
  });
  return {
    agenda,
    isUp: () => up && (lastOutageAt === undefined || now() - lastOutageAt > outageWindowMs),
    downReason: () =>
      !up ? 'stopped' : lastOutageAt !== undefined && now() - lastOutageAt <= outageWindowMs ? 'database' : undefined,
    async start() {
      await agenda.start();
      // the channel drops its handlers when Agenda stops; subscribe on every start
      unsubscribe = backend.notificationChannel?.subscribe((n) => {
        const at = n.nextRunAt ? new Date(n.nextRunAt) : undefined;
        for (const fn of savedListeners) fn(n.jobName, at);
      });
      for (const w of workers) await w.start();
      up = true;
    },
    addWorker(w) {
      workers.push(w);
    },
    reportError(err, source) {
      if (!outage(err, source)) opts.logger.error({ err }, `${source} failed`);
    },
    onJobSaved(fn) {
      savedListeners.add(fn);
      return () => savedListeners.delete(fn);
    },
    stop() {
      stopping ??= (async () => {
        up = false;
        for (const w of [...workers].reverse()) await w.stop();
        unsubscribe?.();
        // Unlock jobs locked ahead of their time (so a restart runs them at once, not after the
        // lock lifetime), then let running jobs finish their transactions and sends (10 s at most).
        // The shared pool stays open.
        await agenda.stop(false);
        if (running > 0) {
          let timer: NodeJS.Timeout | undefined;
          let done: () => void = () => undefined;
          await new Promise<void>((resolve) => {
            done = resolve;
            idle.add(done);
            timer = setTimeout(() => {
              opts.logger.warn({ running }, 'scheduler stopped with jobs still running');
              resolve();
            }, 10_000);
          });
          idle.delete(done);
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
