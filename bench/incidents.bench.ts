/**
 * (a) Opening incidents through the full command path — sandbox adapter `postMessage` → Bot →
 * `/上报` → IncidentService (milestone planning, chase jobs) → PostgreSQL → the open notice in the
 * chat — sequentially and with N reports in flight; then (d) the process's memory after the
 * database holds `memoryTotal` incidents. Latency of one report = from `postMessage` until its
 * 【舆情上报】 notice is in the chat.
 */
import { sql } from 'kysely';
import { memoryAfterGc, startBenchApp } from './lib/env.js';
import { reportIncident } from './lib/report.js';
import { type BenchRow, latencyRow, mib, runPool } from './lib/stats.js';

/** Sizes of the run. */
export interface IncidentBenchOptions {
  /** Reports measured one at a time. */
  sequential: number;
  /** Reports measured with `concurrency` in flight. */
  concurrent: number;
  concurrency: number;
  /** Incidents in the database when memory is measured (more are opened, unmeasured, to reach it). */
  memoryTotal: number;
  /** Unmeasured reports first, to warm up JIT and the pool. */
  warmup: number;
}

/** Runs (a) and (d) on one bot; stops it (and its PostgreSQL) before returning or throwing. */
export async function benchIncidents(o: IncidentBenchOptions): Promise<BenchRow[]> {
  const app = await startBenchApp();
  try {
    const atStart = memoryAfterGc();
    let opened = 0;
    const open = (tag: string) => async (i: number) => {
      await reportIncident(app, `BENCH-${tag}-${i}`);
      opened += 1;
    };

    await runPool(o.warmup, 1, open('warm'));
    const seq = await runPool(o.sequential, 1, open('seq'));
    const con = await runPool(o.concurrent, o.concurrency, open('con'));
    const rows: BenchRow[] = [
      latencyRow('(a) open incident', 'sequential', seq.latencies, seq.wallMs),
      latencyRow('(a) open incident', `${o.concurrency} concurrent`, con.latencies, con.wallMs),
    ];

    const fill = Math.max(0, o.memoryTotal - opened);
    const filled = await runPool(fill, o.concurrency, open('fill'));
    const afterAll = memoryAfterGc();

    const db = app.store.db;
    const {
      rows: [counts],
    } = await sql<{ incidents: string; milestones: string; ledger: string; jobs: string; bytes: string }>`
      SELECT (SELECT count(*) FROM incidents) AS incidents, (SELECT count(*) FROM milestones) AS milestones,
             (SELECT count(*) FROM ledger_entries) AS ledger, (SELECT count(*) FROM agenda_jobs) AS jobs,
             pg_database_size(current_database()) AS bytes`.execute(db);
    if (Number(counts.incidents) !== opened)
      throw new Error(`expected ${opened} incidents in the database, found ${counts.incidents}`);
    const perIncident = (Number(counts.milestones) / opened).toFixed(1);
    rows[0].note = `each: ${perIncident} milestones planned, chase jobs scheduled`;
    if (fill > 0)
      rows.push(
        latencyRow(
          '(a) open incident',
          `fill to ${o.memoryTotal} (${o.concurrency} concurrent)`,
          filled.latencies,
          filled.wallMs,
        ),
      );
    rows.push({
      bench: '(d) memory',
      case: `after ${opened} incidents`,
      n: opened,
      note:
        `RSS ${mib(atStart.rss)} → ${mib(afterAll.rss)}; heap used ${mib(atStart.heapUsed)} → ${mib(afterAll.heapUsed)}` +
        ` (after GC); DB ${mib(Number(counts.bytes))}, ${counts.milestones} milestones, ${counts.ledger} ledger entries, ${counts.jobs} Agenda jobs`,
    });
    return rows;
  } finally {
    await app.stop();
  }
}
