/**
 * (f) The open path at scale (issue 15 target 1): `/上报` through the encrypted WeCom AI-bot
 * callback, spread over many group chats with `concurrency` in flight, beside a same-run baseline —
 * a bare Koa route on the same machine and the same PostgreSQL that does the same signature check,
 * decryption and encrypted reply, and as many row writes in one transaction as an open makes
 * (single-row INSERTs into a scratch table). Also counts the SQL statements one open sends.
 */
import { type ChildProcess, fork } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { sql } from 'kysely';
import { decryptMessage, encryptReply, verifySignature } from '../src/bot/adapters/wecom/crypto.js';
import type { OrgConfig } from '../src/config/schema.js';
import type { OpenClientResult, OpenClientRun } from './open-client.js';
import { bundleBenchChild } from './lib/bundle.js';
import { type BenchApp, demoConfig, startBenchApp } from './lib/env.js';
import { queryCounter } from './lib/query-count.js';
import { type BenchRow, latencyRow, stopping } from './lib/stats.js';
import type { Target } from './lib/targets.js';

/** Sizes of the run. */
export interface OpenBenchOptions {
  /** Callbacks measured per case (bot and baseline each). */
  total: number;
  concurrency: number;
  /** Group chats the reports are spread over (the demo's 3 plus generated ones). */
  chats: number;
  warmup: number;
}

/** The demo organisation with `extra` more units, each with its own WeCom group chat. */
export function manyChatsConfig(extra: number): OrgConfig {
  const c = demoConfig();
  for (let i = 1; i <= extra; i++) {
    const id = `u${String(i).padStart(3, '0')}`;
    c.units.push({
      ...c.units.find((u) => u.id === 'relief')!,
      id,
      name: `基准单位${i}`,
      parent: 'bureau',
    });
    c.chats.push({
      ...c.chats.find((x) => x.id === 'relief')!,
      id,
      name: `基准单位${i}工作群`,
      unit: id,
      wecomChatId: `wrB${id}`,
      dingtalkChatId: undefined,
    });
  }
  return c;
}

/** What a batch of the load generator needs besides its URL, tag and sizes. */
type ClientSetup = Omit<OpenClientRun, 'id' | 'url' | 'tag' | 'total' | 'concurrency'>;

/**
 * The load generator in its own process (bench/open-client.ts, bundled, plain `node`): `run` sends it
 * one batch and resolves with the latencies (ms) and wall time (ms) it measured.
 * @throws from `run` the child's error, or when the child exits or the run is being stopped.
 */
function startClient(setup: ClientSetup): {
  run(url: string, tag: string, total: number, concurrency: number): Promise<{ latencies: number[]; wallMs: number }>;
  stop(): void;
} {
  const child: ChildProcess = fork(bundleBenchChild('open-client.ts'), [], { execArgv: [], stdio: 'inherit' });
  const waiting = new Map<number, { resolve(r: OpenClientResult): void; reject(e: Error): void }>();
  let nextId = 0;
  const failAll = (e: Error) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  child.on('message', (m: OpenClientResult) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    w?.resolve(m);
  });
  child.on('exit', (code, signal) => failAll(new Error(`bench/open-client exited (${code ?? signal})`)));
  child.on('error', failAll);
  const abort = () => child.kill('SIGTERM');
  stopping.signal.addEventListener('abort', abort, { once: true });
  return {
    async run(url, tag, total, concurrency) {
      const id = nextId++;
      const res = await new Promise<OpenClientResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ ...setup, id, url, tag, total, concurrency } satisfies OpenClientRun);
      });
      if (res.error || !res.latencies || res.wallMs === undefined)
        throw new Error(`bench/open-client: ${res.error ?? 'no result'}`);
      return { latencies: res.latencies, wallMs: res.wallMs };
    },
    stop() {
      stopping.signal.removeEventListener('abort', abort);
      if (child.connected) child.disconnect();
    },
  };
}

/** Runs (f); stops everything it started before returning or throwing. */
export async function benchOpen(o: OpenBenchOptions): Promise<{ rows: BenchRow[]; targets: Target[] }> {
  const token = crypto.randomBytes(12).toString('hex');
  const aesKey = crypto.randomBytes(32).toString('base64').slice(0, 43);
  const qc = queryCounter();
  let app: BenchApp | undefined;
  let baseline: http.Server | undefined;
  let client: ReturnType<typeof startClient> | undefined;
  // a loopback stand-in for the WeCom API that accepts every send (1:1 notices, late replies)
  let apiCalls = 0;
  const api = http.createServer((req, res) => {
    apiCalls += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  try {
    const config = manyChatsConfig(Math.max(0, o.chats - 3));
    app = await startBenchApp({
      config,
      settings: {
        SANDBOX: 'off',
        WECOM_AIBOT_TOKEN: token,
        WECOM_AIBOT_ENCODING_AES_KEY: aesKey,
        WECOM_API_BASE: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      },
    });
    const a = app;
    const botUrl = `${a.url}/callbacks/wecom/aibot`;
    const chats = config.chats.map((c) => c.wecomChatId!).filter(Boolean);
    const user = a.directory.person('chenjing')!.wecomUserId!;
    const bot = a.directory.botName;

    client = startClient({
      token,
      aesKey,
      userId: user,
      botName: bot,
      chats,
      text: '/上报 基准：网传救助站拒收',
    });
    const c = client;
    const report = (tag: string, total: number, concurrency: number) => c.run(botUrl, tag, total, concurrency);

    await report('WARM', o.warmup, o.concurrency);
    // statements per open, and the rows one open writes (for the baseline)
    const counted = 10;
    const before = await rowCounts(a);
    qc.start();
    await report('COUNT', counted, 1);
    const q = qc.stop();
    const after = await rowCounts(a);
    const writes = Math.max(1, Math.round((after - before) / counted));
    const perOpen = q.total / counted;

    // the baseline: same crypto, same number of row writes in one transaction, same pool
    await sql`CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, k text NOT NULL, v jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`.execute(
      a.store.db,
    );
    const koa = new Koa();
    koa.use(async (ctx) => {
      const chunks: Buffer[] = [];
      for await (const c of ctx.req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { encrypt: string };
      const qy = ctx.query as Record<string, string>;
      verifySignature(token, qy.timestamp, qy.nonce, body.encrypt, qy.msg_signature);
      const msg = JSON.parse(decryptMessage(aesKey, body.encrypt, '')) as { msgid: string; text: { content: string } };
      await a.store.db.transaction().execute(async (trx) => {
        for (let w = 0; w < writes; w++)
          await sql`INSERT INTO bench_baseline (k, v) VALUES (${msg.msgid}, ${JSON.stringify({ w, text: msg.text.content })})`.execute(
            trx,
          );
      });
      const reply = JSON.stringify({
        msgtype: 'stream',
        stream: { id: msg.msgid, finish: true, content: msg.text.content },
      });
      ctx.body = encryptReply(
        token,
        aesKey,
        reply,
        '',
        Math.floor(Date.now() / 1000),
        crypto.randomBytes(8).toString('hex'),
      );
    });
    baseline = http.createServer(koa.callback());
    await new Promise<void>((resolve) => baseline!.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`;
    const bare = (tag: string, total: number, concurrency: number) => c.run(baseUrl, tag, total, concurrency);
    await bare('BWARM', o.warmup, o.concurrency);

    // interleave halves so drift on a shared machine hits both alike
    const half = Math.ceil(o.total / 2);
    const b1 = await bare('B1', half, o.concurrency);
    // what the bot's backends wait on while the reports run (sampled every 25 ms from pg_stat_activity)
    const waits = new Map<string, number>();
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await sql<{ w: string }>`
          SELECT coalesce(wait_event_type || ':' || wait_event, CASE WHEN state = 'active' THEN 'running' ELSE state END) AS w
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`.execute(
          a.store.db,
        );
        samples += 1;
        for (const r of rows) waits.set(r.w, (waits.get(r.w) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const r1 = await report('R1', half, o.concurrency);
    const r2 = await report('R2', half, o.concurrency);
    sampling = false;
    await sampler;
    const waitText = [...waits.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([k, n]) => `${k} ${(n / samples).toFixed(1)}`)
      .join(', ');
    const b2 = await bare('B2', half, o.concurrency);
    const botLat = [...r1.latencies, ...r2.latencies];
    const baseLat = [...b1.latencies, ...b2.latencies];
    const botRow = latencyRow(
      '(f) open via WeCom',
      `/上报, ${o.chats} chats, ${o.concurrency} in flight`,
      botLat,
      r1.wallMs + r2.wallMs,
      `busy backends on average: ${waitText}; ${apiCalls} WeCom API calls; ${perOpen.toFixed(1)} SQL statements per open (${q.byKind
        .slice(0, 4)
        .map(([k, n]) => `${(n / counted).toFixed(1)}× ${k}`)
        .join(', ')}, …)`,
    );
    const baseRow = latencyRow(
      '(f) open via WeCom',
      `baseline: bare Koa route, ${o.concurrency} in flight`,
      baseLat,
      b1.wallMs + b2.wallMs,
      `verify + decrypt + ${writes} single-row INSERTs in one transaction + encrypted reply`,
    );
    const ratio = (botRow.opsPerSec ?? 0) / (baseRow.opsPerSec ?? 1);
    return {
      rows: [botRow, baseRow],
      targets: [
        {
          key: 'open',
          name: 'open throughput vs baseline',
          figure: ratio,
          unit: 'ratio',
          target: '≥ 0.50',
          met: ratio >= 0.5,
          extra: {
            opsPerSec: botRow.opsPerSec,
            baselineOpsPerSec: baseRow.opsPerSec,
            p99Ms: botRow.p99,
            baselineP99Ms: baseRow.p99,
            statementsPerOpen: perOpen,
            rowWrites: writes,
          },
        },
        {
          key: 'openP99',
          name: 'open p99',
          figure: botRow.p99 ?? Number.NaN,
          unit: 'ms',
          target: '< 100',
          met: (botRow.p99 ?? Infinity) < 100,
          extra: { baselineP99Ms: baseRow.p99 },
        },
      ],
    };
  } finally {
    client?.stop();
    try {
      if (baseline)
        await new Promise<void>((resolve) => {
          baseline!.closeAllConnections();
          baseline!.close(() => resolve());
        });
    } finally {
      try {
        await app?.stop();
      } finally {
        api.closeAllConnections();
        await new Promise<void>((resolve) => api.close(() => resolve()));
      }
    }
  }
}

/** Rows in every table an open writes to (incidents, ledger, milestones, snapshots, jobs, outbox, refs, inbound). */
async function rowCounts(app: BenchApp): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM ledger_entries) + (SELECT count(*) FROM milestones)
         + (SELECT count(*) FROM plan_snapshots) + (SELECT count(*) FROM agenda_jobs WHERE name = 'milestone-chase')
         + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM card_refs) + (SELECT count(*) FROM processed_events) AS n`.execute(
    app.store.db,
  );
  return Number(rows[0].n);
}
