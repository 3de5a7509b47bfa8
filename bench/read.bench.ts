/**
 * (h) The read path (issue 15 target 2): `/查看` of an incident with `ledger` ledger entries and
 * `/列表` in a chat holding `openIncidents` open incidents, each through the sandbox adapter (Bot →
 * command → IncidentService → PostgreSQL → the answer in the chat), one at a time. The database is
 * filled by SQL (copies of one incident opened through the bot, with its milestones; notes appended
 * to the ledger) so the fill takes seconds, not minutes. Baseline: `/帮助` in the same run (the
 * same path without the database). Prints EXPLAIN ANALYZE of the list query's plan in the notes.
 */
import { sql } from 'kysely';
import { startBenchApp } from './lib/env.js';
import { CHAT, REPORTER, reportIncident } from './lib/report.js';
import { type BenchRow, latencyRow, runPool } from './lib/stats.js';
import type { Target } from './lib/targets.js';

/** Sizes of the run. */
export interface ReadBenchOptions {
  ledger: number;
  openIncidents: number;
  /** Commands measured per case. */
  total: number;
}

/** Runs (h) on its own bot; stops it before returning or throwing. */
export async function benchRead(o: ReadBenchOptions): Promise<{ rows: BenchRow[]; targets: Target[] }> {
  const app = await startBenchApp();
  try {
    const sb = app.sandbox!;
    const db = app.store.db;
    const big = await reportIncident(app, 'READ-LEDGER');
    const template = await reportIncident(app, 'READ-TEMPLATE');
    await sql`
      INSERT INTO ledger_entries (incident_id, actor, kind, payload, at)
      SELECT ${big}, 'chenjing', 'incident.note', jsonb_build_object('text', '基准进展记录第' || g || '条：已联系发帖人核实情况'),
             now() + g * interval '1 second'
        FROM generate_series(1, ${o.ledger}) AS g`.execute(db);
    await sql`
      INSERT INTO incidents (id, title, description, source_url, source_type, found_at, occurred_at, reported_at, reporter_id,
                             unit_id, chat_id, category, proposed_level, confirmed_level, status, closed_at, plan_id)
      SELECT 'YQ-20200101-' || lpad(g::text, 4, '0'), title || g, description, source_url, source_type, found_at - g * interval '1 minute',
             occurred_at, reported_at - g * interval '1 minute', reporter_id, unit_id, chat_id, category, proposed_level,
             confirmed_level, status, closed_at, plan_id
        FROM incidents, generate_series(1, ${o.openIncidents}) AS g WHERE id = ${template}`.execute(db);
    await sql`
      INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id)
      SELECT 'YQ-20200101-' || lpad(g::text, 4, '0'), key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id
        FROM milestones, generate_series(1, ${o.openIncidents}) AS g WHERE incident_id = ${template}`.execute(db);
    await sql`ANALYZE`.execute(db);

    const ask = (text: string, expect: (t: string) => boolean) => async () => {
      sb.reset(); // only this answer in the transcript
      sb.postMessage(CHAT, REPORTER, text);
      await sb.waitForMessage(CHAT, (m) => m.from === 'bot' && expect(m.text), 30_000);
    };
    const show = ask(`/查看 ${big}`, (t) => t.includes(big));
    const list = ask('/列表', (t) => t.includes('YQ-'));
    const help = ask('/帮助', (t) => t.includes('/上报'));
    await runPool(10, 1, show);
    await runPool(10, 1, list);
    await runPool(10, 1, help);
    const h = await runPool(o.total, 1, help);
    const s = await runPool(o.total, 1, show);
    const l = await runPool(o.total, 1, list);

    const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN (ANALYZE, BUFFERS OFF) SELECT * FROM incidents WHERE chat_id = ${CHAT} AND status IN ('reported', 'acknowledged', 'handling')
       ORDER BY reported_at DESC, id DESC LIMIT 31`.execute(db);
    const planText = plan.map((r) => r['QUERY PLAN'].trim()).join(' / ');
    const rows = [
      latencyRow(
        '(h) read path',
        'baseline: /帮助, one at a time',
        h.latencies,
        h.wallMs,
        'sandbox → Bot → answer, no database',
      ),
      latencyRow('(h) read path', `/查看, ${o.ledger} ledger entries`, s.latencies, s.wallMs),
      latencyRow(
        '(h) read path',
        `/列表, ${o.openIncidents} open in the chat`,
        l.latencies,
        l.wallMs,
        `list query: ${planText.slice(0, 300)}`,
      ),
    ];
    const worst = Math.max(rows[1].p99 ?? Number.NaN, rows[2].p99 ?? Number.NaN);
    return {
      rows,
      targets: [
        {
          key: 'read',
          name: 'read path p99 (worse of /查看, /列表)',
          figure: worst,
          unit: 'ms',
          target: '< 50',
          met: worst < 50,
          extra: { showP99Ms: rows[1].p99, listP99Ms: rows[2].p99, helpP99Ms: rows[0].p99 },
        },
      ],
    };
  } finally {
    await app.stop();
  }
}
