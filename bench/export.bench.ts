/**
 * (x) The 台账 export streamed (issue 15 item 5, issue 11 item 3): `n` incidents (default 20,000)
 * with 5 milestones, 2 acknowledgements, a breach on every tenth and 8 ledger entries each, seeded
 * in bulk SQL on its own embedded PostgreSQL; then `writeLedgerExport` (exceljs WorkbookWriter,
 * both sheets) into a byte-counting sink, and the CSV the same way. Measured: time and peak RSS
 * of this process (sampled every 10 ms; PostgreSQL runs in its own processes), beside a same-run
 * baseline that reads the same pages from the store and writes nothing (the database's share).
 * Target: peak RSS under 300 MB.
 */
import { Writable } from 'node:stream';
import { Directory } from '../src/domain/Directory.js';
import { writeLedgerExport } from '../src/reports/ledger-export.js';
import { demoConfig, startBenchStore } from './lib/env.js';
import type { BenchRow } from './lib/stats.js';
import { nowMs } from './lib/stats.js';

/** Sizes of the run. */
export interface ExportBenchOptions {
  incidents: number;
  /** Incidents per database page (config `dashboard.exportBatchSize`). */
  batchSize?: number;
}

/** A sink that counts bytes and throws them away. */
function sink(): { out: Writable; bytes: () => number } {
  let n = 0;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb();
    },
  });
  return { out, bytes: () => n };
}

/** Runs `fn` while sampling this process's RSS; returns its result, the time and the peak RSS (MB). */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakMb: number; startMb: number }> {
  global.gc?.();
  const startMb = process.memoryUsage.rss() / 2 ** 20;
  let peak = startMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss() / 2 ** 20);
  }, 10);
  const t0 = nowMs();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss() / 2 ** 20);
    return { value, ms: nowMs() - t0, peakMb: peak, startMb };
  } finally {
    clearInterval(timer);
  }
}

/** Seeds `n` incidents over the demo units with their rows, in a few set-based statements. */
async function seed(pool: import('pg').Pool, n: number): Promise<void> {
  await pool.query(
    `INSERT INTO incidents (id, title, description, source_url, source_type, found_at, reported_at, reporter_id,
       unit_id, chat_id, category, proposed_level, confirmed_level, status, closed_at, plan_id)
     SELECT 'YQ-' || to_char(t, 'YYYYMMDD') || '-' || lpad(((g % 900) + 1)::text, 3, '0') || '-' || g,
       '某论坛出现关于低保审核的帖子（第 ' || g || ' 条）', '帖子称审核不公，转发较快，需核实回应。编号 ' || g,
       'https://bbs.example.cn/t/' || (1000000000000 + g), CASE WHEN g % 7 = 0 THEN 'assigned' ELSE 'self' END,
       t - interval '10 minutes', t, 'chenjing',
       (ARRAY['relief','eldercare','marriage','bureau'])[1 + g % 4], (ARRAY['relief','eldercare','relief','leaders'])[1 + g % 4],
       (ARRAY['inquiry','hype','fabrication',NULL])[1 + g % 4], (ARRAY['I','II','III','IV'])[1 + g % 4], NULL,
       CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'handling' END, CASE WHEN g % 3 = 0 THEN t + interval '1 day' END, 'bench'
     FROM generate_series(1, $1::int) g, LATERAL (SELECT timestamptz '2026-01-01 00:00+08' + g * interval '26 minutes' AS t) x`,
    [n],
  );
  await pool.query(
    `INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id)
     SELECT i.id, m.key, m.name, ARRAY['chenjing'], i.reported_at, i.reported_at + m.mins * interval '1 minute',
       'met', i.reported_at + (m.mins - 5) * interval '1 minute', 'chenjing', NULL, 'bench'
     FROM incidents i, (VALUES ('ack:liuyang', '签收（刘洋）', 15), ('ack:wufang', '签收（吴芳）', 15),
       ('report_up', '报告领导小组', 30), ('assessment', '初步研判', 30), ('early_warning', '预警报告', 120)) m(key, name, mins)`,
  );
  await pool.query(
    `INSERT INTO acknowledgements (incident_id, person_id, role, at)
     SELECT id, p.person, p.role, reported_at + interval '8 minutes' FROM incidents,
       (VALUES ('liuyang', 'firstResponsible'), ('wufang', 'directResponsible')) p(person, role)`,
  );
  await pool.query(
    `INSERT INTO breaches (incident_id, milestone_key, person_ids, grade, at)
     SELECT id, 'report_up', ARRAY['chenjing'], 'minor', reported_at + interval '30 minutes'
     FROM incidents WHERE right(id, 1) = '0'`,
  );
  await pool.query(
    `INSERT INTO ledger_entries (incident_id, actor, kind, payload, at)
     SELECT i.id, 'chenjing', k.kind, k.payload::jsonb, i.reported_at + k.n * interval '3 minutes'
     FROM incidents i, (VALUES (0, 'incident.opened', '{"title":"帖子"}'), (1, 'incident.acknowledged', '{"role":"firstResponsible"}'),
       (2, 'incident.acknowledged', '{"role":"directResponsible"}'), (3, 'incident.status_changed', '{"from":"acknowledged","to":"handling"}'),
       (4, 'incident.note', '{"text":"已联系发帖人核实情况"}'), (5, 'milestone.met', '{"key":"report_up"}'),
       (6, 'milestone.met', '{"key":"assessment"}'), (7, 'incident.note', '{"text":"已形成处置方案"}')) k(n, kind, payload)
     ORDER BY i.reported_at, k.n`,
  );
  await pool.query('ANALYZE');
}

/** Runs (x) on its own PostgreSQL; stops it before returning or throwing. */
export async function benchExport(o: ExportBenchOptions): Promise<BenchRow[]> {
  const batch = o.batchSize ?? 500;
  const db = await startBenchStore(4);
  try {
    await seed(db.store.pool, o.incidents);
    const dir = new Directory(demoConfig());
    const reports = db.store.reports;
    const f = {};
    const ledgerText = (e: { kind: string }) => e.kind;
    // baseline: the same pages read from the store, nothing written
    const base = await measured(async () => {
      let rows = 0;
      for await (const p of reports.exportIncidents(f, batch)) rows += p.incidents.length;
      for await (const p of reports.exportLedger(f, batch)) rows += p.length;
      return rows;
    });
    const xlsxSink = sink();
    const xlsx = await measured(() =>
      writeLedgerExport(dir, xlsxSink.out, {
        format: 'xlsx',
        pages: reports.exportIncidents(f, batch),
        ledger: reports.exportLedger(f, batch),
        ledgerText,
      }),
    );
    const csvSink = sink();
    const csv = await measured(() =>
      writeLedgerExport(dir, csvSink.out, {
        format: 'csv',
        pages: reports.exportIncidents(f, batch),
        ledger: reports.exportLedger(f, batch),
        ledgerText,
      }),
    );
    if (xlsx.value.incidents !== o.incidents || csv.value.incidents !== o.incidents)
      throw new Error(`export wrote ${xlsx.value.incidents} / ${csv.value.incidents} of ${o.incidents} incidents`);
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    const name = '(x) 台账 export';
    return [
      {
        bench: name,
        case: 'baseline: read pages only',
        n: o.incidents,
        opsPerSec: o.incidents / (base.ms / 1000),
        max: base.ms,
        note: `${base.value} rows read in pages of ${batch}; peak RSS ${mb(base.peakMb)} (start ${mb(base.startMb)})`,
      },
      {
        bench: name,
        case: 'xlsx, two sheets',
        n: o.incidents,
        opsPerSec: o.incidents / (xlsx.ms / 1000),
        max: xlsx.ms,
        note: `${xlsx.value.entries} ledger rows, ${mb(xlsxSink.bytes() / 2 ** 20)} file; ${(xlsx.ms / base.ms).toFixed(1)}× baseline; peak RSS ${mb(xlsx.peakMb)} (target < 300 MB: ${xlsx.peakMb < 300 ? 'met' : 'NOT met'})`,
      },
      {
        bench: name,
        case: 'csv, incidents sheet',
        n: o.incidents,
        opsPerSec: o.incidents / (csv.ms / 1000),
        max: csv.ms,
        note: `${mb(csvSink.bytes() / 2 ** 20)} file; ${(csv.ms / base.ms).toFixed(1)}× baseline; peak RSS ${mb(csv.peakMb)}`,
      },
    ];
  } finally {
    await db.stop();
  }
}

/** The figures for the JSON line (key `export`): time and peak RSS beside the baseline. */
export function exportFigures(rows: BenchRow[]): Record<string, number | boolean> {
  const xlsx = rows.find((r) => r.case.startsWith('xlsx'));
  const base = rows.find((r) => r.case.startsWith('baseline'));
  const peak = Number(/peak RSS (\d+) MB/.exec(xlsx?.note ?? '')?.[1] ?? Number.NaN);
  return {
    incidents: xlsx?.n ?? 0,
    xlsxMs: Math.round(xlsx?.max ?? 0),
    baselineMs: Math.round(base?.max ?? 0),
    ratio: Math.round(((xlsx?.max ?? 0) / (base?.max ?? 1)) * 10) / 10,
    peakRssMb: peak,
    met: peak < 300,
  };
}
