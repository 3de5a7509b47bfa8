/**
 * (g) Production start (issue 15 target 6): `node dist/main.js` (after `npm run build`) on an
 * initialised database, beside the same-run baseline `tsx src/main.ts` (what `npm start` runs):
 * time from spawn to the first 200 from /healthz, and the process's RSS after `idleMs` of idling
 * (from /proc/<pid>/status, VmRSS; the embedded PostgreSQL runs in its own processes and is not
 * counted). Each process is stopped with SIGTERM (as systemd does) and must exit 0.
 * The database directory is initialised by one unmeasured start first, and removed at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort as freePort } from '../src/store/free-port.js';
import type { BenchRow } from './lib/stats.js';
import type { Target } from './lib/targets.js';

/** Sizes of the run. */
export interface StartBenchOptions {
  /** Measured starts per command. */
  runs: number;
  /** Idle time before RSS is read, ms. */
  idleMs: number;
}

interface StartFigures {
  healthyMs: number;
  rssMiB: number;
  exitCode: number | null;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * RSS of `pid` and its Node descendants, MiB (tsx runs the app in a child node process);
 * PostgreSQL's processes are left out.
 */
function rssMiB(pid: number): number {
  const parentOf = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (stat.includes('(node)') || stat.includes('(MainThread)')) parentOf.set(Number(d), Number(rest[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parentOf)
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
  }
  let kb = 0;
  for (const p of tree) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    kb += m ? Number(m[1]) : 0;
  }
  return kb / 1024;
}

/** Starts `argv` with the bot's settings, waits for /healthz, idles, reads RSS, stops with SIGTERM. */
async function startOnce(argv: string[], dataDir: string, idleMs: number): Promise<StartFigures> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', SANDBOX: 'on' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let healthyMs = Number.NaN;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited early: ${stderr.slice(0, 500)}`);
      if (performance.now() - t0 > 60_000) throw new Error(`${argv.join(' ')} not healthy within 60 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        healthyMs = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, idleMs));
    const rss = rssMiB(child.pid!);
    child.kill('SIGTERM');
    const exitCode = await exited;
    return { healthyMs, rssMiB: rss, exitCode };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    children.delete(child);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs (g). @throws Error when dist/main.js is missing (run `npm run build` first). */
export async function benchStart(o: StartBenchOptions): Promise<{ rows: BenchRow[]; targets: Target[] }> {
  if (!existsSync('dist/main.js')) throw new Error('dist/main.js is missing: run `npm run build` first');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-bench-start-'));
  try {
    // as in package.json `start:prod` and the README's systemd unit: a 2 MiB young generation keeps
    // the idle RSS down (measured: ~130 → ~110 MiB) at no visible cost to this service's throughput
    const prod = [process.execPath, '--max-semi-space-size=2', 'dist/main.js'];
    const dev = [process.execPath, 'node_modules/tsx/dist/cli.mjs', 'src/main.ts'];
    await startOnce(prod, dataDir, 0); // initialises the database (initdb, migrations): not measured
    const figures: Record<'prod' | 'dev', StartFigures[]> = { prod: [], dev: [] };
    for (let i = 0; i < o.runs; i++) {
      figures.prod.push(await startOnce(prod, dataDir, o.idleMs));
      figures.dev.push(await startOnce(dev, dataDir, o.idleMs));
    }
    const row = (name: string, f: StartFigures[]): BenchRow => ({
      bench: '(g) production start',
      case: name,
      n: f.length,
      p50: median(f.map((x) => x.healthyMs)),
      max: Math.max(...f.map((x) => x.healthyMs)),
      note: `start → /healthz 200 (ms columns); idle RSS ${median(f.map((x) => x.rssMiB)).toFixed(1)} MiB after ${o.idleMs / 1000} s; SIGTERM exit codes ${[...new Set(f.map((x) => x.exitCode))].join(',')}`,
    });
    const healthy = median(figures.prod.map((x) => x.healthyMs));
    const rss = median(figures.prod.map((x) => x.rssMiB));
    const devHealthy = median(figures.dev.map((x) => x.healthyMs));
    const devRss = median(figures.dev.map((x) => x.rssMiB));
    const clean = figures.prod.every((x) => x.exitCode === 0);
    return {
      rows: [
        row('node --max-semi-space-size=2 dist/main.js', figures.prod),
        row('baseline: tsx src/main.ts (npm start)', figures.dev),
      ],
      targets: [
        {
          key: 'start',
          name: 'node dist/main.js start to healthy',
          figure: healthy / 1000,
          unit: 's',
          target: '< 3 s, idle RSS < 120 MiB',
          met: healthy < 3000 && rss < 120 && clean,
          extra: { idleRssMiB: rss, tsxStartS: devHealthy / 1000, tsxIdleRssMiB: devRss, sigtermExit0: clean },
        },
      ],
    };
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
