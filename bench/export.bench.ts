/**
 * (x) The 台账 export streamed (issue 15 item 5, issue 11 item 3): `n` incidents (default 20,000)
 * with 5 milestones, 2 acknowledgements, a breach on every tenth and 8 ledger entries each, seeded
 * in bulk SQL on its own embedded PostgreSQL. Each case then runs in a fresh Node process
 * (bench/export-child.ts, bundled and run with `npm run start:prod`'s node flags), so every case
 * starts from the same RSS: `writeLedgerExport` (exceljs WorkbookWriter, both sheets) into a
 * byte-counting sink, the CSV the same way, and optionally the xlsx into a slow reader (a client
 * taking `slowReaderBytesPerSec`). Measured: time and peak RSS of that process (sampled every 10 ms;
 * PostgreSQL runs in its own processes), beside a same-run baseline that reads the same pages from
 * the store and writes nothing (the database's and the driver's share). Target: peak RSS under 300 MB.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportCaseArgs, ExportCaseResult } from './export-child.js';
import { bundleBenchChild } from './lib/bundle.js';
import { startBenchStore } from './lib/env.js';
import { type BenchRow, stopping } from './lib/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const MB = 2 ** 20;

/** How a case's process is started: a module file and node's flags. */
interface ChildCommand {
  file: string;
  flags: string[];
}

/** Sizes of the run. */
export interface ExportBenchOptions {
  incidents: number;
  /** Incidents per database page (config `dashboard.exportBatchSize`). */
  batchSize?: number;
  /** Also runs the xlsx case with a client reading this many bytes per second (absent: not run). */
  slowReaderBytesPerSec?: number;
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

/**
 * The node flags of `npm run start:prod` (package.json: `node <flags> dist/main.js`), so a case
 * runs with the production heap settings.
 */
function productionFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts['start:prod'] ?? '').split(/\s+/);
  return words.slice(1, words.indexOf('dist/main.js'));
}

/** Runs one case in a fresh Node process (`child`: the bundled bench/export-child.ts) and returns what it printed. */
async function runCase(child: ChildCommand, args: ExportCaseArgs): Promise<ExportCaseResult> {
  const proc = spawn(process.execPath, [...child.flags, '--expose-gc', child.file, JSON.stringify(args)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const abort = () => proc.kill('SIGTERM');
  stopping.signal.addEventListener('abort', abort, { once: true });
  try {
    const [code] = (await once(proc, 'close')) as [number | null];
    if (code !== 0) throw new Error(`export case ${args.kind} exited ${code}: ${err.trim()}`);
    return JSON.parse(out.trim().split('\n').pop() ?? '') as ExportCaseResult;
  } finally {
    stopping.signal.removeEventListener('abort', abort);
  }
}

/** Runs (x) on its own PostgreSQL, each case in a fresh child process; stops it before returning or throwing. */
export async function benchExport(o: ExportBenchOptions): Promise<BenchRow[]> {
  const batchSize = o.batchSize ?? 500;
  const db = await startBenchStore(4);
  try {
    await seed(db.store.pool, o.incidents);
    const child: ChildCommand = { file: bundleBenchChild('export-child.ts'), flags: productionFlags() };
    const kase = (kind: ExportCaseArgs['kind'], readerBytesPerSec?: number) =>
      runCase(child, { connectionString: db.connectionString, kind, batchSize, readerBytesPerSec });
    const base = await kase('read');
    const xlsx = await kase('xlsx');
    const csv = await kase('csv');
    const slow = o.slowReaderBytesPerSec ? await kase('xlsx', o.slowReaderBytesPerSec) : undefined;
    for (const r of [xlsx, csv, ...(slow ? [slow] : [])])
      if (r.incidents !== o.incidents)
        throw new Error(`export ${r.kind} wrote ${r.incidents} of ${o.incidents} incidents`);
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    const mem = (r: ExportCaseResult) =>
      `peak RSS ${mb(r.peakRssMb)} (start ${mb(r.startRssMb)}, +${mb(r.peakRssMb - r.startRssMb)}; heap used ≤ ${mb(r.peakHeapUsedMb)}, buffers ≤ ${mb(r.peakExternalMb)})`;
    const met = (r: ExportCaseResult) => `target < 300 MB: ${r.peakRssMb < 300 ? 'met' : 'NOT met'}`;
    const vs = (r: ExportCaseResult) => `${(r.ms / base.ms).toFixed(1)}× baseline`;
    const name = '(x) 台账 export';
    const row = (c: string, r: ExportCaseResult, note: string): BenchRow => ({
      bench: name,
      case: c,
      n: o.incidents,
      opsPerSec: o.incidents / (r.ms / 1000),
      max: r.ms,
      note,
    });
    return [
      row(
        'baseline: read pages only',
        base,
        `${base.incidents + base.entries} rows read in pages of ${batchSize}, nothing written; ${mem(base)}; each case in a fresh \`node ${[...child.flags, '--expose-gc'].join(' ')}\` process`,
      ),
      row(
        'xlsx, two sheets',
        xlsx,
        `${xlsx.entries} ledger rows, ${mb(xlsx.bytes / MB)} file; ${vs(xlsx)}; ${mem(xlsx)}; ${met(xlsx)}`,
      ),
      row('csv, incidents sheet', csv, `${mb(csv.bytes / MB)} file; ${vs(csv)}; ${mem(csv)}; ${met(csv)}`),
      ...(slow
        ? [
            row(
              `xlsx, reader at ${(o.slowReaderBytesPerSec! / 1024).toFixed(0)} KiB/s`,
              slow,
              `a slow client: ${mem(slow)}; ${met(slow)}`,
            ),
          ]
        : []),
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
