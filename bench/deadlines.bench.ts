/**
 * (i) Deadlines at scale (issue 15 target 3): `incidents` level-II incidents whose 签收 chase runs
 * all fall due at the same instant (the stress case), and then as many fresh ones due within one
 * minute (the issue's own case, the `deadlines` target: planned evenly over 60 s, each run's lateness
 * against its own planned time), run by the real scheduler (src/jobs/agenda.ts and the chase
 * sweep of src/jobs/chase-job.ts as src/app.ts wires them). Seeded fast: copies of one incident opened
 * through the bot (incident and milestone rows by SQL), and for each one `milestone-chase` row in
 * `agenda_jobs` written the way `IncidentRepo.queueSchedulerJobs` writes them (one multi-row INSERT
 * plus one NOTIFY), all with the same `next_run_at` a few seconds ahead, the domain clock 20 minutes
 * past the report (the 15-minute 签收 limit breached). Lateness of each run = its `lastRunAt` (when
 * the sweep started it) minus the planned time; done = the last run's completion. Lost or doubled:
 * every copy must have exactly one `milestone.breached` ledger entry for the milestone. Baseline in
 * the same run and on the same scheduler: as many trivial Agenda jobs (an empty handler, the chase's
 * concurrency and lock lifetime, Agenda `lockLimit` = the sweep's batch size) due at one instant:
 * what Agenda's one-lock-per-job path costs with nothing to do. The scheduler settings are the
 * config's (`scheduler`, config/default.yaml) unless `BENCH_SCHEDULER` holds a JSON object merged
 * over them (e.g. `{"chase":{"batchSize":200}}`, for trying values); the row names the ones used.
 */
import type { Job } from 'agenda';
import { sql } from 'kysely';
import type { SchedulerConfig } from '../src/config/schema.js';
import { CHASE_JOB } from '../src/jobs/chase-job.js';
import { type BenchApp, BenchClock, demoConfig, startBenchApp } from './lib/env.js';
import { queryCounter } from './lib/query-count.js';
import { reportIncident } from './lib/report.js';
import { type BenchRow, nowMs, percentile, stopping } from './lib/stats.js';
import type { Target } from './lib/targets.js';

/** Sizes of the run. */
export interface DeadlinesBenchOptions {
  incidents: number;
  /** Give up waiting after this many ms. */
  timeoutMs: number;
}

const MINUTE = 60_000;
const KEY = 'ack:wufang'; // 社会救助股 direct-responsible's 签收 milestone (level II: 15 minutes)
const TRIVIAL_JOB = 'bench-trivial';
const LEAD_MS = 3000;
const TARGET_P99_S = 5;
/** "Within the same minute" (issue 15 target 3): the spread case's due times span this, ms. */
const SPREAD_MS = 60_000;

/** The config's scheduler settings with `BENCH_SCHEDULER` (JSON) merged over them. */
function schedulerSettings(base: SchedulerConfig): SchedulerConfig {
  const raw = process.env.BENCH_SCHEDULER;
  if (!raw) return base;
  const o = JSON.parse(raw) as Partial<SchedulerConfig>;
  return { ...base, ...o, chase: { ...base.chase, ...o.chase } };
}

interface Outcome {
  lateness: number[];
  /** From the planned time to the last completion, ms. */
  doneMs: number;
  completed: number;
}

/**
 * Lost and doubled chase runs of the incidents whose ids start with `prefix`, from the ledger: an
 * incident with no `milestone.breached` entry for KEY was lost, one with more than one was doubled.
 */
async function breachCounts(app: BenchApp, prefix: string): Promise<{ lost: number; doubled: number }> {
  const { rows } = await sql<{ n: string; incidents: string }>`
    SELECT n, count(*) AS incidents FROM (
      SELECT i.id, count(l.seq) AS n FROM incidents i
        LEFT JOIN ledger_entries l ON l.incident_id = i.id AND l.kind = 'milestone.breached' AND l.payload->>'key' = ${KEY}
       WHERE i.id LIKE ${`${prefix}%`} GROUP BY i.id) AS per GROUP BY n`.execute(app.store.db);
  const by = new Map(rows.map((r) => [Number(r.n), Number(r.incidents)]));
  const doubled = [...by.entries()].filter(([n]) => n > 1).reduce((sum, [, k]) => sum + k, 0);
  return { lost: by.get(0) ?? 0, doubled };
}

/**
 * Waits until `n` jobs named `name` completed (or `timeoutMs`), recording each start's lateness
 * against `plannedAt`, or against `plannedOf(job)` (epoch ms) when given (runs planned at different
 * times). `doneMs` is counted from `plannedAt`.
 */
function collect(
  app: BenchApp,
  name: string,
  n: number,
  plannedAt: number,
  timeoutMs: number,
  plannedOf?: (job: Job) => number | undefined,
): Promise<Outcome> {
  const { agenda } = app.scheduler;
  const lateness: number[] = [];
  let completed = 0;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      agenda.off(`complete:${name}`, onComplete as never);
      resolve({ lateness, doneMs: Date.now() - plannedAt, completed });
    };
    const onComplete = (job: Job) => {
      const started = job.attrs.lastRunAt ? new Date(job.attrs.lastRunAt).getTime() : Date.now();
      lateness.push(started - (plannedOf?.(job) ?? plannedAt));
      completed += 1;
      if (completed >= n) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    agenda.on(`complete:${name}`, onComplete as never);
    // a stopped run (Ctrl-C) stops waiting at once
    stopping.signal.addEventListener('abort', finish, { once: true });
  });
}

function row(kase: string, o: Outcome, n: number, note: string): BenchRow {
  // runs that never started count as late as the wait lasted (a lower bound)
  const l = [...o.lateness, ...Array<number>(Math.max(0, n - o.completed)).fill(o.doneMs)];
  return {
    bench: '(i) deadlines at scale',
    case: kase,
    n: o.completed,
    opsPerSec: o.completed / (o.doneMs / 1000),
    p50: percentile(l, 50),
    p95: percentile(l, 95),
    p99: percentile(l, 99),
    max: Math.max(...l),
    note: `lateness (start − planned; a run not done counts as the whole wait, a lower bound); ${o.completed}/${n} done ${(o.doneMs / 1000).toFixed(1)} s after the planned time; ${note}`,
  };
}

/** Runs (i) on its own bot; stops it before returning or throwing. */
export async function benchDeadlines(o: DeadlinesBenchOptions): Promise<{ rows: BenchRow[]; targets: Target[] }> {
  const clock = new BenchClock();
  const config = demoConfig();
  config.scheduler = schedulerSettings(config.scheduler);
  const sch = config.scheduler;
  const app = await startBenchApp({ clock, config });
  try {
    const db = app.store.db;
    const template = await reportIncident(app, 'DEADLINES-TEMPLATE', '二级');
    const t0 = nowMs();
    await sql`
      INSERT INTO incidents (id, title, description, source_url, source_type, found_at, occurred_at, reported_at, reporter_id,
                             unit_id, chat_id, category, proposed_level, confirmed_level, status, closed_at, plan_id)
      SELECT 'YQ-20200101-' || lpad(g::text, 6, '0'), title || g, description, source_url, source_type, found_at,
             occurred_at, reported_at, reporter_id, unit_id, chat_id, category, proposed_level,
             confirmed_level, status, closed_at, plan_id
        FROM incidents, generate_series(1, ${o.incidents}) AS g WHERE id = ${template}`.execute(db);
    await sql`
      INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id)
      SELECT 'YQ-20200101-' || lpad(g::text, 6, '0'), key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id
        FROM milestones, generate_series(1, ${o.incidents}) AS g WHERE incident_id = ${template}`.execute(db);
    await sql`ANALYZE`.execute(db);
    const seedMs = nowMs() - t0;

    clock.advance(20 * MINUTE); // the 签收 limit (15 min) has passed for every copy
    const plannedAt = Date.now() + LEAD_MS;
    const planned = new Date(plannedAt).toISOString();
    const counter = queryCounter();
    const chase = collect(app, CHASE_JOB, o.incidents, plannedAt, o.timeoutMs + LEAD_MS);
    // as IncidentRepo.queueSchedulerJobs writes them: one multi-row INSERT and one NOTIFY
    await sql`
      WITH queued AS (
        INSERT INTO agenda_jobs (name, priority, next_run_at, type, data, disabled, fork)
        SELECT ${CHASE_JOB}, 0, ${planned}::timestamptz, 'normal',
               jsonb_build_object('incidentId', id, 'key', ${KEY}::text, 'planId', plan_id), false, false
          FROM incidents WHERE id LIKE 'YQ-20200101-%'
        RETURNING id, name, next_run_at)
      SELECT pg_notify('agenda_jobs', json_build_object('jobId', id, 'jobName', name, 'nextRunAt', next_run_at,
                                                        'priority', 0, 'timestamp', now())::text)
        FROM (SELECT * FROM queued ORDER BY next_run_at LIMIT 1) AS earliest`.execute(db);
    // the claim's plan over the seeded rows (the SELECT inside PgChaseQueue.claim, without its locks)
    const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT id FROM agenda_jobs
        WHERE name = ${CHASE_JOB} AND disabled = FALSE
          AND ((locked_at IS NULL AND next_run_at <= ${planned}::timestamptz) OR locked_at <= ${planned}::timestamptz - interval '20 seconds')
        ORDER BY next_run_at, priority DESC LIMIT ${sch.chase.batchSize}`.execute(db);
    const claimPlan = plan.map((r) => r['QUERY PLAN'].trim()).join(' | ');
    counter.start();
    const c = await chase;
    const counted = counter.stop();

    const { lost, doubled } = await breachCounts(app, 'YQ-20200101-');
    const { rows: outbox } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM outbox WHERE incident_id LIKE 'YQ-20200101-%'`.execute(db);

    // baseline: as many trivial jobs due at one instant, same scheduler, same job settings
    app.scheduler.agenda.define(TRIVIAL_JOB, async () => undefined, {
      removeOnComplete: true,
      concurrency: sch.chase.concurrency,
      // Agenda's own way: at most a batch's worth locked at once (lockLimit 0 livelocks at 10,000)
      lockLimit: sch.chase.batchSize,
      lockLifetime: sch.chase.lockLifetimeMs,
    });
    const basePlannedAt = Date.now() + LEAD_MS;
    const base = collect(app, TRIVIAL_JOB, o.incidents, basePlannedAt, o.timeoutMs + LEAD_MS);
    await sql`
      WITH queued AS (
        INSERT INTO agenda_jobs (name, priority, next_run_at, type, data, disabled, fork)
        SELECT ${TRIVIAL_JOB}, 0, ${new Date(basePlannedAt).toISOString()}::timestamptz, 'normal', jsonb_build_object('i', g), false, false
          FROM generate_series(1, ${o.incidents}) AS g
        RETURNING id, name, next_run_at)
      SELECT pg_notify('agenda_jobs', json_build_object('jobId', id, 'jobName', name, 'nextRunAt', next_run_at,
                                                        'priority', 0, 'timestamp', now())::text)
        FROM (SELECT * FROM queued ORDER BY next_run_at LIMIT 1) AS earliest`.execute(db);
    counter.start();
    const b = await base;
    const baseCounted = counter.stop();

    // the issue's own case: as many incidents whose deadlines fall due within one minute, each chase
    // planned at its own instant (spread evenly over 60 s), lateness against that instant
    const spreadPrefix = 'YQ-20200102-';
    await sql`
      INSERT INTO incidents (id, title, description, source_url, source_type, found_at, occurred_at, reported_at, reporter_id,
                             unit_id, chat_id, category, proposed_level, confirmed_level, status, closed_at, plan_id)
      SELECT ${spreadPrefix} || lpad(g::text, 6, '0'), title || g, description, source_url, source_type, found_at,
             occurred_at, reported_at, reporter_id, unit_id, chat_id, category, proposed_level,
             confirmed_level, status, closed_at, plan_id
        FROM incidents, generate_series(1, ${o.incidents}) AS g WHERE id = ${template}`.execute(db);
    await sql`
      INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id)
      SELECT ${spreadPrefix} || lpad(g::text, 6, '0'), key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id
        FROM milestones, generate_series(1, ${o.incidents}) AS g WHERE incident_id = ${template}`.execute(db);
    await sql`ANALYZE`.execute(db);
    const spreadStart = Date.now() + LEAD_MS;
    const stepMs = SPREAD_MS / o.incidents;
    const plannedSpread = (id: string) => spreadStart + (Number(id.slice(spreadPrefix.length)) - 1) * stepMs;
    const spread = collect(app, CHASE_JOB, o.incidents, spreadStart, o.timeoutMs + LEAD_MS + SPREAD_MS, (job) => {
      const id = (job.attrs.data as { incidentId?: string } | undefined)?.incidentId;
      return id?.startsWith(spreadPrefix) ? plannedSpread(id) : undefined;
    });
    await sql`
      WITH queued AS (
        INSERT INTO agenda_jobs (name, priority, next_run_at, type, data, disabled, fork)
        SELECT ${CHASE_JOB}, 0,
               ${new Date(spreadStart).toISOString()}::timestamptz
                 + (substr(id, ${spreadPrefix.length + 1}::int)::int - 1) * ${stepMs}::float8 * interval '1 millisecond',
               'normal', jsonb_build_object('incidentId', id, 'key', ${KEY}::text, 'planId', plan_id), false, false
          FROM incidents WHERE id LIKE ${`${spreadPrefix}%`}
        RETURNING id, name, next_run_at)
      SELECT pg_notify('agenda_jobs', json_build_object('jobId', id, 'jobName', name, 'nextRunAt', next_run_at,
                                                        'priority', 0, 'timestamp', now())::text)
        FROM (SELECT * FROM queued ORDER BY next_run_at LIMIT 1) AS earliest`.execute(db);
    const sp = await spread;
    const { lost: spreadLost, doubled: spreadDoubled } = await breachCounts(app, spreadPrefix);
    const spreadAfterLastS = (sp.doneMs - (o.incidents - 1) * stepMs) / 1000;

    const settings = `Agenda processEvery ${sch.processEveryMs} ms, maxConcurrency ${sch.maxConcurrency}, lockLimit ${sch.lockLimit || '0 (none)'}, defaultLockLifetime ${sch.defaultLockLifetimeMs / 1000} s; chase sweep (${CHASE_JOB} rows) batchSize ${sch.chase.batchSize}, concurrency ${sch.chase.concurrency}, lockLifetime ${sch.chase.lockLifetimeMs / 1000} s`;
    const rows = [
      row(
        `baseline: ${o.incidents} trivial Agenda jobs due at once`,
        b,
        o.incidents,
        `empty handler, ${(baseCounted.total / o.incidents).toFixed(1)} SQL statements per job (top: ${baseCounted.byKind
          .slice(0, 4)
          .map(([k, n]) => `${k} ${(n / o.incidents).toFixed(2)}`)
          .join(
            ', ',
          )}), Agenda's one lock per job: concurrency ${sch.chase.concurrency}, lockLimit ${sch.chase.batchSize}, lockLifetime ${sch.chase.lockLifetimeMs / 1000} s`,
      ),
      row(
        `${o.incidents} 签收 chases due at once`,
        c,
        o.incidents,
        `seeded in ${(seedMs / 1000).toFixed(1)} s; ledger: ${lost} lost, ${doubled} doubled; ${outbox[0].n} outbox rows; ${(counted.total / o.incidents).toFixed(1)} SQL statements per chase in this process during the burst (delivery included; top: ${counted.byKind
          .slice(0, 6)
          .map(([k, n]) => `${k} ${(n / o.incidents).toFixed(2)}`)
          .join(', ')}); ${settings}`,
      ),
      row(
        `${o.incidents} 签收 chases due within one minute`,
        sp,
        o.incidents,
        `planned evenly over ${SPREAD_MS / 1000} s (one every ${stepMs.toFixed(1)} ms), lateness against each run's own planned time; all done ${spreadAfterLastS.toFixed(1)} s after the last planned time; ledger: ${spreadLost} lost, ${spreadDoubled} doubled; same scheduler settings, after the runs above`,
      ),
    ];
    const p99S = (rows[1].p99 ?? Number.NaN) / 1000;
    const spreadP99S = (rows[2].p99 ?? Number.NaN) / 1000;
    return {
      rows,
      targets: [
        {
          key: 'deadlines',
          name: `chase lateness p99, ${o.incidents} due within one minute`,
          figure: spreadP99S,
          unit: 's',
          target: `< ${TARGET_P99_S}, none lost or doubled`,
          met: spreadP99S < TARGET_P99_S && spreadLost === 0 && spreadDoubled === 0 && sp.completed === o.incidents,
          extra: {
            incidents: o.incidents,
            completed: sp.completed,
            spreadS: SPREAD_MS / 1000,
            p50S: (rows[2].p50 ?? Number.NaN) / 1000,
            maxS: (rows[2].max ?? Number.NaN) / 1000,
            allDoneAfterLastPlannedS: spreadAfterLastS,
            lost: spreadLost,
            doubled: spreadDoubled,
          },
        },
        {
          key: 'deadlinesInstant',
          name: `chase lateness p99, ${o.incidents} due at one instant (stress)`,
          figure: p99S,
          unit: 's',
          target: `< ${TARGET_P99_S}, none lost or doubled`,
          met: p99S < TARGET_P99_S && lost === 0 && doubled === 0 && c.completed === o.incidents,
          extra: {
            incidents: o.incidents,
            completed: c.completed,
            p50S: (rows[1].p50 ?? Number.NaN) / 1000,
            maxS: (rows[1].max ?? Number.NaN) / 1000,
            allDoneS: c.doneMs / 1000,
            lost,
            doubled,
            outboxRows: Number(outbox[0].n),
            baselineP99S: (rows[0].p99 ?? Number.NaN) / 1000,
            baselineAllDoneS: b.doneMs / 1000,
            processEveryMs: sch.processEveryMs,
            maxConcurrency: sch.maxConcurrency,
            lockLimit: sch.lockLimit,
            chaseConcurrency: sch.chase.concurrency,
            chaseBatchSize: sch.chase.batchSize,
            statementsPerChase: counted.total / o.incidents,
            claimPlan,
            chaseLockLifetimeMs: sch.chase.lockLifetimeMs,
          },
        },
      ],
    };
  } finally {
    await app.stop();
  }
}
