/**
 * One case of bench (x), run in a fresh Node process by bench/export.bench.ts so that every case
 * starts from the same RSS (the parent seeds the database and reads the result): opens a store on
 * the parent's PostgreSQL, forces a GC, then runs the case while sampling this process's memory
 * every 10 ms, and prints one JSON line (`ExportCaseResult`) on stdout.
 *
 * Usage: `node --expose-gc <bundle of this file> '<ExportCaseArgs as JSON>'` (bench/export.bench.ts
 * bundles it), or `node --import tsx --expose-gc bench/export-child.ts '…'`.
 * With `heapSnapshotAtPage` set, a heap snapshot (`v8.writeHeapSnapshot`) is written into the
 * current directory when the export asks for that incidents page (to tell garbage from retention).
 */
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import { Directory } from '../src/domain/Directory.js';
import type { ExportPage } from '../src/domain/report-ports.js';
import { writeLedgerExport } from '../src/reports/ledger-export.js';
import { openStore } from '../src/store/index.js';
import { demoConfig } from './lib/env.js';
import { nowMs } from './lib/stats.js';

/** What the parent asks the child to run. */
export interface ExportCaseArgs {
  connectionString: string;
  /** `read`: the pages only, nothing written (the baseline); `xlsx` both sheets; `csv` the incidents sheet. */
  kind: 'read' | 'xlsx' | 'csv';
  /** Incidents (and ledger entries) per database page. */
  batchSize: number;
  /** A slow reader: the sink accepts at most this many bytes per second (absent: as fast as written). */
  readerBytesPerSec?: number;
  heapSnapshotAtPage?: number;
}

/**
 * What the child prints. Memory in MiB, sampled every 10 ms; `peakExternalMb` is V8's `external`
 * (Buffers, zlib); `maxRssMb` is the kernel's peak for the whole process life.
 */
export interface ExportCaseResult {
  kind: ExportCaseArgs['kind'];
  incidents: number;
  entries: number;
  bytes: number;
  ms: number;
  startRssMb: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  peakExternalMb: number;
  maxRssMb: number;
  /** The kernel's peak before the case ran (module loading, migrations check). */
  maxRssBeforeMb: number;
  snapshot?: string;
}

const MB = 2 ** 20;

/** A sink that counts bytes and drops them; with `bytesPerSec`, it calls back only at that rate. */
function sink(bytesPerSec?: number): { out: Writable; bytes: () => number } {
  let n = 0;
  const t0 = nowMs();
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (!bytesPerSec) return cb();
      const due = (n / bytesPerSec) * 1000 - (nowMs() - t0);
      if (due <= 0) cb();
      else setTimeout(cb, due);
    },
  });
  return { out, bytes: () => n };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ExportCaseArgs;
  const store = await openStore({ connectionString: args.connectionString, maxConnections: 4 });
  const dir = new Directory(demoConfig());
  const reports = store.reports;
  let snapshot: string | undefined;
  const pages = async function* (): AsyncIterable<ExportPage> {
    let k = 0;
    for await (const p of reports.exportIncidents({}, args.batchSize)) {
      k += 1;
      if (k === args.heapSnapshotAtPage) snapshot = v8.writeHeapSnapshot();
      yield p;
    }
  };
  const maxRss = () => process.resourceUsage().maxRSS / 1024;
  global.gc?.();
  global.gc?.();
  const maxRssBeforeMb = maxRss();
  const startRssMb = process.memoryUsage.rss() / MB;
  const peak = { rss: startRssMb, heap: 0, external: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss / MB);
    peak.heap = Math.max(peak.heap, m.heapUsed / MB);
    peak.external = Math.max(peak.external, m.external / MB); // includes every Buffer
  };
  const timer = setInterval(sample, 10);
  const s = sink(args.readerBytesPerSec);
  const t0 = nowMs();
  let incidents = 0;
  let entries = 0;
  try {
    if (args.kind === 'read') {
      for await (const p of pages()) incidents += p.incidents.length;
      for await (const p of reports.exportLedger({}, args.batchSize)) entries += p.length;
    } else {
      const n = await writeLedgerExport(dir, s.out, {
        format: args.kind,
        pages: pages(),
        ledger: reports.exportLedger({}, args.batchSize),
        ledgerText: (e) => e.kind,
      });
      incidents = n.incidents;
      entries = n.entries;
    }
    const ms = nowMs() - t0;
    sample();
    const result: ExportCaseResult = {
      kind: args.kind,
      incidents,
      entries,
      bytes: s.bytes(),
      ms,
      startRssMb,
      peakRssMb: peak.rss,
      peakHeapUsedMb: peak.heap,
      peakExternalMb: peak.external,
      maxRssMb: maxRss(),
      maxRssBeforeMb,
      ...(snapshot ? { snapshot } : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(timer);
    await store.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
