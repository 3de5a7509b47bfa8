/**
 * (j) The 17:30 rollup at province scale (issue 15 target 4): the demo organisation plus `chats`
 * units (each a sub-unit of the bureau) with one group chat each; `incidents` incidents spread over
 * the 100 days up to the cut (copies of one opened through the bot, with its milestones; those
 * reported more than 3 days before the cut closed 2 days after their report) and `ledger` ledger
 * entries among them (one `incident.opened`, one `incident.closed` when closed, notes), all seeded
 * by generate_series SQL. Then `ReportService.daily` (what the `report-post` job renders) for every
 * chat, 2 at a time (the post job's Agenda concurrency), each statement timed; the slowest one is
 * EXPLAIN ANALYZEd with the parameters of its slowest call. Baseline: one COUNT over incidents and
 * ledger entries in the same run. The spread: `ReportPoster.due('rollup')` slots for every chat
 * against `rollup.spreadSeconds`. The domain clock is fixed before the cut (no start-up catch-up).
 */
import { type Kysely, sql } from 'kysely';
import type { OrgConfig } from '../src/config/schema.js';
import type { Database } from '../src/store/schema.js';
import { rollupWindow } from '../src/reports/period.js';
import { demoConfig, startBenchApp } from './lib/env.js';
import { queryTimer } from './lib/query-timer.js';
import { reportIncident } from './lib/report.js';
import { type BenchRow, latencyRow, nowMs, percentile, timed } from './lib/stats.js';
import type { Target } from './lib/targets.js';

/** Sizes of the run. */
export interface RollupBenchOptions {
  chats: number;
  incidents: number;
  /** Ledger entries in all (at least 2 per incident). */
  ledger: number;
  /** Stop starting new chats after this many ms (the figure is then extrapolated to every chat). */
  budgetMs: number;
}

/** Business date of the rollup measured (a Monday; any date works). */
const YMD = '2026-11-30';
const TARGET_S = 30;

/** The demo organisation with `n` more units (under the bureau), one chat each (`c0001`…). */
export function provinceConfig(n: number): OrgConfig {
  const cfg = demoConfig();
  const relief = cfg.units.find((u) => u.id === 'relief')!;
  const reliefChat = cfg.chats.find((c) => c.id === 'relief')!;
  for (let i = 1; i <= n; i += 1) {
    const k = String(i).padStart(4, '0');
    cfg.units.push({ ...relief, id: `u${k}`, name: `基准单位${k}`, parent: 'bureau' });
    cfg.chats.push({
      ...reliefChat,
      id: `c${k}`,
      name: `基准单位${k}工作群`,
      unit: `u${k}`,
      wecomChatId: `wrBench${k}`,
      dingtalkChatId: `cidBench${k}==`,
    });
  }
  return cfg;
}

/**
 * Seeds `o.incidents` copies of incident `template` (with its milestones, shifted) spread evenly
 * over the 100 days up to `cut`, round-robin over the chats `c0001`… (units `u0001`…) of
 * `provinceConfig(o.chats)`; those reported more than 3 days before `cut` closed 2 days after their
 * report; `o.ledger / o.incidents` (at least 2) ledger entries each (one `incident.opened`, one
 * `incident.closed` when closed, notes); then ANALYZE. All by generate_series SQL.
 */
export async function seedRollupData(
  db: Kysely<Database>,
  template: string,
  o: Pick<RollupBenchOptions, 'chats' | 'incidents' | 'ledger'>,
  cut: Date,
): Promise<void> {
  const perIncident = Math.max(2, Math.floor(o.ledger / o.incidents));
  await sql`
    INSERT INTO incidents (id, title, description, source_url, source_type, found_at, occurred_at, reported_at, reporter_id,
                           unit_id, chat_id, category, proposed_level, confirmed_level, status, closed_at, plan_id)
    SELECT 'YQ-20200101-' || lpad(g::text, 6, '0'), title || g, description, source_url, source_type, r.at - interval '5 minutes',
           r.at - interval '10 minutes', r.at, reporter_id,
           'u' || lpad((((g - 1) % ${o.chats}) + 1)::text, 4, '0'), 'c' || lpad((((g - 1) % ${o.chats}) + 1)::text, 4, '0'),
           category, proposed_level, confirmed_level,
           CASE WHEN r.at < ${cut}::timestamptz - interval '3 days' THEN 'closed' ELSE status END,
           CASE WHEN r.at < ${cut}::timestamptz - interval '3 days' THEN r.at + interval '2 days' ELSE NULL END, plan_id
      FROM incidents, generate_series(1, ${o.incidents}) AS g,
           LATERAL (SELECT ${cut}::timestamptz - g * (interval '100 days' / ${o.incidents}) AS at) AS r
     WHERE id = ${template}`.execute(db);
  await sql`
    INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id)
    SELECT i.id, m.key, m.name, m.owner_ids, m.starts_at + (i.reported_at - t.reported_at), m.due_at + (i.reported_at - t.reported_at),
           m.state, m.met_at, m.met_by, m.breached_at, m.plan_id
      FROM incidents t JOIN milestones m ON m.incident_id = t.id
      JOIN incidents i ON i.id LIKE 'YQ-20200101-%'
     WHERE t.id = ${template}`.execute(db);
  await sql`
    INSERT INTO ledger_entries (incident_id, actor, kind, payload, at)
    SELECT i.id, 'chenjing',
           CASE WHEN k = 1 THEN 'incident.opened'
                WHEN k = ${perIncident} AND i.closed_at IS NOT NULL THEN 'incident.closed'
                ELSE 'incident.note' END,
           jsonb_build_object('text', '基准进展记录第' || k || '条'),
           CASE WHEN k = ${perIncident} AND i.closed_at IS NOT NULL THEN i.closed_at ELSE i.reported_at + k * interval '1 minute' END
      FROM incidents i, generate_series(1, ${perIncident}) AS k
     WHERE i.id LIKE 'YQ-20200101-%'`.execute(db);
  await sql`ANALYZE`.execute(db);
}

/** Runs (j) on its own bot; stops it before returning or throwing. */
export async function benchRollup(o: RollupBenchOptions): Promise<{ rows: BenchRow[]; targets: Target[] }> {
  const config = provinceConfig(o.chats);
  const tz = config.timezone;
  const cut = config.rollup.time;
  const window = rollupWindow(YMD, cut, tz);
  // before the cut: the start-up catch-up plans nothing
  const fixed = new Date(window.to.getTime() - 9 * 3600_000);
  const app = await startBenchApp({ config, clock: { now: () => fixed }, reportSchedules: true });
  try {
    const db = app.store.db;
    const template = await reportIncident(app, 'ROLLUP-TEMPLATE');
    const seed = await timed(() => seedRollupData(db, template, o, window.to));
    const { rows: sizes } = await sql<{ incidents: string; ledger: string; milestones: string; open: string }>`
      SELECT (SELECT count(*) FROM incidents) AS incidents, (SELECT count(*) FROM ledger_entries) AS ledger,
             (SELECT count(*) FROM milestones) AS milestones,
             (SELECT count(*) FROM incidents WHERE closed_at IS NULL) AS open`.execute(db);
    const size = sizes[0];

    // baseline: one COUNT over the same tables, same run
    const base: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t = await timed(() =>
        sql`SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM ledger_entries) AS n`.execute(db),
      );
      base.push(t.ms);
    }

    const chats = app.directory.allChats().map((c) => c.id);
    await app.reports.daily(chats[0], YMD); // warm-up (not measured)
    const timer = queryTimer();
    timer.start();
    const t0 = nowMs();
    let chars = 0;
    // two at a time (the post job's concurrency); no new chat is started after `budgetMs`
    const latencies: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < chats.length && nowMs() - t0 < o.budgetMs; i = next++) {
        const t = nowMs();
        // what the report-post job renders (ReportPoster.post): the round's shared load
        const post = await app.reports.daily(chats[i], YMD, { shared: true });
        latencies.push(nowMs() - t);
        chars += JSON.stringify(post).length;
      }
    };
    await Promise.all([worker(), worker()]);
    const r = { latencies, wallMs: nowMs() - t0 };
    const doneChats = latencies.length;
    // measured wall time, or (budget hit) extrapolated to every chat at the measured rate
    const wallS = ((nowMs() - t0) / 1000) * (chats.length / doneChats);
    const statements = timer.stop();
    const slow = [...statements].sort((a, b) => b.maxMs - a.maxMs)[0];
    let plan = '';
    if (slow) {
      const client = await app.store.pool.connect();
      try {
        const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${slow.slowest.text}`, slow.slowest.values);
        plan = res.rows.map((x: Record<string, string>) => x['QUERY PLAN'].slice(0, 240)).join('\n');
      } finally {
        client.release();
      }
    }
    process.stderr.write(
      `\n(j) statements by total time (ms, client side):\n${statements
        .slice(0, 8)
        .map(
          (s) =>
            `  ${s.totalMs.toFixed(0)} total, ${s.calls} calls, max ${s.maxMs.toFixed(1)}: ${s.text.slice(0, 200)}`,
        )
        .join('\n')}\n(j) EXPLAIN ANALYZE of the slowest call:\n${plan}\n`,
    );

    // the spread of the deliveries: one slot per chat after the cut
    const specs = app.poster.due('rollup', new Date(window.to.getTime() + 1000));
    const slots = specs.map((s) => s.dueAt.getTime()).sort((a, b) => a - b);
    const spreadSeconds = config.rollup.spreadSeconds;
    const spanS = slots.length ? (slots[slots.length - 1] - slots[0]) / 1000 : 0;
    const perSecond = slots.length / Math.max(1, spreadSeconds);
    const gapMs = slots.length > 1 ? slots[1] - slots[0] : Number.NaN;
    // the posts as the report-post jobs make them (ReportPoster.post: render from the round's load,
    // claim in report_posts, queue in the outbox), 2 at a time, as fast as they go: they keep to
    // their slots while the posting rate is above the slots' rate
    const postLatencies: number[] = [];
    let nextPost = 0;
    const tPosts = nowMs();
    const postWorker = async (): Promise<void> => {
      for (let i = nextPost++; i < specs.length; i = nextPost++) {
        const t = nowMs();
        await app.poster.post(specs[i]);
        postLatencies.push(nowMs() - t);
      }
    };
    await Promise.all([postWorker(), postWorker()]);
    const postsWallMs = nowMs() - tPosts;
    const postRate = postLatencies.length / (postsWallMs / 1000);
    const keepsSlots = postRate >= perSecond;

    const note =
      `${size.incidents} incidents (${size.open} open), ${size.ledger} ledger entries, ${size.milestones} milestones, ` +
      `seeded in ${(seed.ms / 1000).toFixed(0)} s; ${statements.reduce((s, x) => s + x.calls, 0)} statements; ` +
      `slowest (max ${slow?.maxMs.toFixed(0)} ms, ${slow?.calls} calls, ${slow?.totalMs.toFixed(0)} ms in all): ${slow?.text.slice(0, 120)}`;
    const rows: BenchRow[] = [
      latencyRow(
        '(j) rollup at scale',
        'baseline: one COUNT(incidents)+COUNT(ledger)',
        base,
        base.reduce((a, b) => a + b, 0),
      ),
      latencyRow(
        '(j) rollup at scale',
        `daily rollup of ${doneChats} of ${chats.length} chats, 2 at a time${doneChats < chats.length ? ` (budget ${o.budgetMs / 1000} s hit; figure extrapolated)` : ''}`,
        r.latencies,
        r.wallMs,
        note,
      ),
      latencyRow(
        '(j) rollup at scale',
        'posts (ReportPoster.post: render, claim, outbox), 2 at a time',
        postLatencies,
        postsWallMs,
        `${postRate.toFixed(0)} posts/s against the slots' ${perSecond.toFixed(1)}/s: ${keepsSlots ? 'keeps to its slots' : 'falls behind its slots'}`,
      ),
      {
        bench: '(j) rollup at scale',
        case: 'deliveries spread',
        n: slots.length,
        note: `slots span ${spanS.toFixed(1)} s of rollup.spreadSeconds ${spreadSeconds}; one post per chat, ${gapMs} ms apart (${perSecond.toFixed(1)} posts/s over all chats); rendered ${chars} chars`,
      },
    ];
    const p50 = rows[1].p50 ?? Number.NaN;
    return {
      rows,
      targets: [
        {
          key: 'rollup',
          name: `rollup for ${chats.length} chats computed (wall s${doneChats < chats.length ? `, extrapolated from ${doneChats}` : ''})`,
          figure: wallS,
          unit: 's',
          target: `< ${TARGET_S}`,
          met: wallS < TARGET_S && spanS <= spreadSeconds && keepsSlots,
          extra: {
            chats: chats.length,
            chatsMeasured: doneChats,
            incidents: Number(size.incidents),
            ledger: Number(size.ledger),
            perChatP50Ms: p50,
            perChatP99Ms: rows[1].p99,
            baselineCountMs: rows[0].p50,
            spreadSeconds,
            slotSpanSeconds: spanS,
            slotGapMs: gapMs,
            postsPerSecond: postRate,
            postP99Ms: percentile(postLatencies, 99),
            slowestQuery: slow?.text.slice(0, 160),
            slowestQueryMaxMs: slow?.maxMs,
          },
        },
      ],
    };
  } finally {
    await app.stop();
  }
}
