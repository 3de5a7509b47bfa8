/**
 * EXPLAIN ANALYZE of the rollup's window query (issue 15 target 4; bench/RESULTS.md section 4)
 * before and after migration 0010's indexes, on the data of bench (j):
 * `npx tsx bench/rollup-explain.ts [chats incidents ledger]` (default the full size, 1000 100000
 * 2000000; seeding takes about 2 minutes). Its own embedded PostgreSQL, removed afterwards.
 * Prints the plan of the best of three runs of: the incidents query as an OR of EXISTS arms (before
 * this change) and as `id IN (UNION of four arms)`, each without and with the indexes; the UNION as
 * `id = ANY(ARRAY(…))` (what PgReportStore.reportData runs); the milestones of the window's
 * incidents by `= ANY(ARRAY(…))` of the UNION (an alternative), by an `IN ($1, …)` list and by
 * `= ANY($1::text[])` (what it runs); the lifecycle ledger entries.
 */
import { type Kysely, sql } from 'kysely';
import { rollupWindow } from '../src/reports/period.js';
import { down, up } from '../src/store/migrations/0010_report_indexes.js';
import { startBenchApp, stopEverything } from './lib/env.js';
import { reportIncident } from './lib/report.js';
import { provinceConfig, seedRollupData } from './rollup.bench.js';

const [chats = 1000, incidents = 100_000, ledger = 2_000_000] = process.argv.slice(2).map(Number);

const OR_QUERY = `select * from incidents where reported_at < $1 and (closed_at is null or closed_at >= $2
  or exists (select m.key from milestones as m where m.incident_id = incidents.id and m.due_at >= $2 and m.due_at < $1)
  or exists (select b.id from breaches as b where b.incident_id = incidents.id and b.at >= $2 and b.at < $1))
  order by reported_at, id`;
const UNION_QUERY = `select * from incidents where id in (
    select o.id from incidents as o where o.closed_at is null and o.reported_at < $1
    union select c.id from incidents as c where c.closed_at >= $2 and c.reported_at < $1
    union select m.incident_id as id from milestones as m where m.due_at >= $2 and m.due_at < $1
    union select b.incident_id as id from breaches as b where b.at >= $2 and b.at < $1)
  and reported_at < $1 order by reported_at, id`;

const UNION_IDS = `select o.id from incidents as o where o.closed_at is null and o.reported_at < $1
    union select c.id from incidents as c where c.closed_at >= $2 and c.reported_at < $1
    union select m.incident_id as id from milestones as m where m.due_at >= $2 and m.due_at < $1
    union select b.incident_id as id from breaches as b where b.at >= $2 and b.at < $1`;
const ANY_ARRAY_QUERY = `select * from incidents where id = ANY(ARRAY(${UNION_IDS})) and reported_at < $1 order by reported_at, id`;

async function main(): Promise<void> {
  const config = provinceConfig(chats);
  const window = rollupWindow('2026-11-30', config.rollup.time, config.timezone);
  const fixed = new Date(window.to.getTime() - 9 * 3600_000);
  const app = await startBenchApp({ config, clock: { now: () => fixed }, reportSchedules: true });
  try {
    const db = app.store.db;
    const template = await reportIncident(app, 'ROLLUP-TEMPLATE');
    const t0 = performance.now();
    await seedRollupData(db, template, { chats, incidents, ledger }, window.to);
    process.stdout.write(
      `seeded ${incidents} incidents, ${ledger} ledger entries in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
    );
    const pool = app.store.pool;
    const explain = async (label: string, text: string, values: unknown[]): Promise<void> => {
      let best: string[] = [];
      let bestMs = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i += 1) {
        const r = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        const lines = r.rows.map((x: Record<string, string>) => x['QUERY PLAN']);
        const ms = Number(/Execution Time: ([\d.]+)/.exec(lines.join('\n'))?.[1] ?? Number.NaN);
        if (ms < bestMs) {
          bestMs = ms;
          best = lines;
        }
      }
      process.stdout.write(
        `\n=== ${label}: best of 3 ${bestMs.toFixed(1)} ms\n${best.map((l) => l.slice(0, 200)).join('\n')}\n`,
      );
    };
    const params = [window.to, window.from];
    await down(db as unknown as Kysely<unknown>);
    await sql`ANALYZE`.execute(db);
    await explain('OR query, before 0010', OR_QUERY, params);
    await explain('UNION query, before 0010', UNION_QUERY, params);
    await up(db as unknown as Kysely<unknown>);
    await sql`ANALYZE`.execute(db);
    await explain('OR query, after 0010', OR_QUERY, params);
    await explain('UNION query, after 0010', UNION_QUERY, params);
    await explain('UNION as = ANY(ARRAY(…)), after 0010', ANY_ARRAY_QUERY, params);
    await explain(
      'milestones joined to the UNION, after 0010',
      `select m.* from milestones m where m.incident_id = ANY(ARRAY(${UNION_IDS})) order by m.due_at`,
      params,
    );
    const ids = (await pool.query(UNION_QUERY, params)).rows.map((r: { id: string }) => r.id);
    const list = ids.map((_: string, i: number) => `$${i + 1}`).join(', ');
    await explain(
      `milestones of the ${ids.length} incidents, IN list`,
      `select * from milestones where incident_id in (${list}) order by due_at`,
      ids,
    );
    await explain(
      `milestones of the ${ids.length} incidents, = ANY`,
      'select * from milestones where incident_id = ANY($1::text[]) order by due_at',
      [ids],
    );
    await explain(
      `lifecycle ledger of the ${ids.length} incidents, = ANY`,
      `select * from ledger_entries where incident_id = ANY($1::text[]) and kind in ('incident.opened', 'incident.status_changed', 'incident.closed', 'incident.reopened') and at < $2 order by at, seq`,
      [ids, window.to],
    );
  } finally {
    await app.stop();
    await stopEverything();
  }
}

await main();
process.exit(0);
