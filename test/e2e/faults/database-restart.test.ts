/**
 * Fault test "Database restart" (issue 14): PostgreSQL is stopped for `FAULT_DB_OUTAGE_MS` (default
 * 10 s, the number) and started again on the same port while WeCom callbacks keep coming
 * (three senders, each `/上报` with its own tag). The bot runs in this process on its own embedded
 * PostgreSQL (not the suite's shared server, which other test files use). Proves:
 * - `/healthz` answers 503 during the outage with each part's true state (db down with its last
 *   error; the scheduler down because Agenda's polls fail) and 200 again afterwards;
 * - chat users read DATABASE_UNAVAILABLE_TEXT (what happened, what to do), never the generic
 *   "处理出错" — on WeCom (passive reply) and in the sandbox;
 * - the outage is logged once when it starts, at most once per DB_OUTAGE_LOG_INTERVAL_MS while it
 *   lasts and once at recovery — no per-request, per-poll or per-connection lines;
 * - the bot recovers by itself (same process: commands succeed again, Agenda runs a job again);
 * - nothing acknowledged is lost: every `/上报` answered with its incident id is in the ledger.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../../../src/app.js';
import { TestClock } from '../../helpers/app.js';
import { WECOM_AIBOT_CALLBACK_PATH } from '../../../src/bot/adapters/wecom/index.js';
import { loadSettings } from '../../../src/config/settings.js';
import { DATABASE_UNAVAILABLE_TEXT } from '../../../src/errors.js';
import { findFreePort } from '../../../src/store/free-port.js';
import { startDatabase, type DatabaseHandle } from '../../../src/store/index.js';
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import { WeComCallbackClient } from '../../fakes/wecom/WeComCallbackClient.js';
import { captureLogs, LEVEL } from '../../helpers/log-capture.js';
import { E2E_AES_KEY, E2E_TOKEN, RELIEF_CHAT, RELIEF_WEBHOOK_KEY, wecomConfig } from '../support/wecom-app.js';

const OUTAGE_MS = Number(process.env.FAULT_DB_OUTAGE_MS ?? 10_000);
const LOG_INTERVAL_MS = 10_000;
const TEST_TIMEOUT_MS = OUTAGE_MS + 120_000;

interface Sent {
  tag: string;
  at: number;
  status: number;
  text: string;
}

let dataDir: string;
let port: number;
let database: DatabaseHandle | undefined;
let app: RunningApp | undefined;
let fake: FakeWeComServer;
let clock: TestClock;
const logs = captureLogs('debug');

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-dbrestart-'));
  port = await findFreePort();
  database = await startDatabase({ dataDir, port });
  fake = await FakeWeComServer.start();
  fake.addWebhookKey(RELIEF_WEBHOOK_KEY);
  const settings = loadSettings({
    PORT: '0',
    DATABASE_URL: database.connectionString,
    WECOM_AIBOT_TOKEN: E2E_TOKEN,
    WECOM_AIBOT_ENCODING_AES_KEY: E2E_AES_KEY,
    WECOM_API_BASE: fake.baseUrl,
    DB_OUTAGE_LOG_INTERVAL_MS: String(LOG_INTERVAL_MS),
  });
  clock = TestClock.flowingAt();
  // business time pinned (14:00 today): started after 17:30 the bot would post the missed rollup
  // (补发) to groups with no robot here, dead letters that make /healthz degraded
  app = await startApp({
    settings,
    config: wecomConfig(),
    logger: logs.logger,
    clock,
    host: '127.0.0.1',
  });
}, 120_000);

afterAll(async () => {
  await app?.wecom?.drain();
  await app?.stop();
  await database?.stop();
  await fake?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** GET /healthz → status and body. */
async function health(): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app!.url}/healthz`);
  return { status: res.status, body: await res.json() };
}

/** Polls `/healthz` until `pred` holds (bounded; the state changes without an event to await). */
async function healthUntil(pred: (h: { status: number; body: any }) => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  const seen: Array<{ status: number; body: any }> = [];
  for (;;) {
    const h = await health();
    seen.push(h);
    if (pred(h)) return seen;
    if (Date.now() > end) throw new Error(`healthz never matched; last: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function replyText(reply: unknown): string {
  const r = reply as { stream?: { content?: string } } | undefined;
  return r?.stream?.content ?? '';
}

test(
  'PostgreSQL stopped and restarted under load: 503 with true states, a clear Chinese answer, one log line per interval, recovery without restart, nothing acknowledged lost',
  async () => {
    const client = new WeComCallbackClient({
      token: E2E_TOKEN,
      encodingAESKey: E2E_AES_KEY,
      botUrl: `${app!.url}${WECOM_AIBOT_CALLBACK_PATH}`,
      fake,
    });
    const sent: Sent[] = [];
    let stop = false;
    let n = 0;
    const sender = async (who: string) => {
      while (!stop) {
        n += 1;
        const tag = `DBR-${n}`;
        const at = Date.now();
        try {
          const ex = await client.sendText({
            chatId: RELIEF_CHAT,
            userId: who,
            text: `@舆情助手 /上报 数据库重启压测 ${tag} 某论坛帖子`,
          });
          sent.push({ tag, at, status: ex.status, text: replyText(ex.reply) });
        } catch (err) {
          sent.push({ tag, at, status: 0, text: String(err) });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const ok = (s: Sent) => s.status === 200 && /YQ-\d{8}-\d{3}/.test(s.text) && s.text.includes(`${s.tag} `);
    const senders = [sender('ChenJing'), sender('ZhangMin'), sender('LiuYang')];
    const until = async (pred: () => boolean, timeoutMs: number) => {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error('load never reached the expected state');
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    try {
      await until(() => sent.filter(ok).length >= 6, 30_000);
      expect((await health()).status).toBe(200);

      // --- outage ---
      const downAt = Date.now();
      await database!.stop();
      const during = await healthUntil(
        (h) => h.status === 503 && h.body.scheduler === 'down' && h.body.db === 'down',
        Math.min(OUTAGE_MS, 8000),
      );
      // While it lasts: poll health, and a sandbox user sends a command.
      const sandboxAt = clock.now().getTime(); // sandbox messages carry business time
      const postRes = await fetch(`${app!.url}/api/sandbox/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chatId: 'relief', userId: 'chenjing', text: '/上报 沙盒里在数据库停机时上报' }),
      });
      expect(postRes.status).toBe(202);
      const sandboxReply = await app!.sandbox!.waitForMessage(
        'relief',
        // its answer: the outage text, or (wrongly) the notice of the incident it opened; other bot
        // messages (WeCom reports' notices reach this chat too) are not its answer
        (m) =>
          m.from === 'bot' &&
          Date.parse(m.at) >= sandboxAt - 1000 &&
          (m.text === DATABASE_UNAVAILABLE_TEXT ||
            m.text.includes('沙盒里在数据库停机时上报') ||
            /处理出错/.test(m.text)),
        10_000,
      );
      while (Date.now() - downAt < OUTAGE_MS) {
        during.push(await health());
        await new Promise((r) => setTimeout(r, 250));
      }

      // --- restart, same port ---
      const upAt = Date.now();
      database = await startDatabase({ dataDir, port });
      await healthUntil((h) => h.status === 200, 30_000);
      const recoveredAt = Date.now();
      const okBefore = sent.filter(ok).length;
      await until(() => sent.filter((s) => ok(s) && s.at > recoveredAt).length >= 6, 30_000);
      // Agenda runs jobs again, in this process.
      const ran = new Promise<void>((resolve) =>
        app!.scheduler.agenda.define('resilience-probe', async () => resolve()),
      );
      await app!.scheduler.agenda.now('resilience-probe');
      await ran;
      stop = true;
      await Promise.all(senders);
      await app!.wecom!.drain();

      // /healthz: 503 all along the outage, each part's true state.
      for (const h of during) {
        expect(h.status).toBe(503);
        expect(h.body).toMatchObject({ status: 'degraded', db: 'down', details: { db: { state: 'down' } } });
      }
      expect(during.at(-1)!.body).toMatchObject({
        scheduler: 'down',
        details: {
          db: { state: 'down', lastError: expect.stringMatching(/ECONNREFUSED|terminat|connect/i) },
          scheduler: { state: 'down', reason: 'database' },
        },
      });
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', db: 'up', scheduler: 'up' } });

      // Chat users: the clear message, never the generic one.
      const outage = sent.filter((s) => s.at > downAt + 500 && s.at < upAt);
      expect(outage.length).toBeGreaterThan(5);
      for (const s of outage) {
        expect(s.status).toBe(200);
        expect(s.text).toBe(DATABASE_UNAVAILABLE_TEXT);
      }
      expect(sandboxReply.text).toBe(DATABASE_UNAVAILABLE_TEXT);
      for (const s of sent) expect(s.text).not.toMatch(/处理出错|抱歉，处理您的请求时出错了/);

      // The log: one line when it started, one per interval, one at recovery.
      const outageLines = logs.between(downAt, recoveredAt + 1000, LEVEL.warn);
      // The store's tracker: one line at the start and one per interval; the delivery worker, the
      // outbox listener and the scheduler's LISTEN channel one each per outage (their own
      // once-per-outage lines, depending on timing); recovery is info.
      const allowed = 1 + Math.ceil((recoveredAt - downAt) / LOG_INTERVAL_MS) + 3;
      expect(outageLines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['database unavailable: requests are answered "暂时不可用" until it is back']),
      );
      if (outageLines.length > allowed) process.stdout.write(`outage lines: ${JSON.stringify(outageLines)}\n`);
      expect(outageLines.length).toBeLessThanOrEqual(allowed);
      expect(logs.between(downAt, recoveredAt + 1000).filter((l) => l.msg === 'database available again')).toHaveLength(
        1,
      );

      // Nothing acknowledged is lost: each success answer's incident is in the ledger, with its tag.
      const acknowledged = sent.filter(ok);
      const lost: string[] = [];
      for (const s of acknowledged) {
        const id = /YQ-\d{8}-\d{3}/.exec(s.text)![0];
        const row = await app!.store.pool.query<{ description: string }>(
          'SELECT description FROM incidents WHERE id = $1',
          [id],
        );
        if (!row.rows[0]?.description.includes(`${s.tag} `)) lost.push(s.tag);
      }
      // Report for the lead (measured numbers).
      process.stdout.write(
        `database-restart: outage ${OUTAGE_MS} ms, ${sent.length} commands sent, ${acknowledged.length} acknowledged ` +
          `(${okBefore} before recovery), ${outage.length} answered "unavailable", lost ${lost.length}, ` +
          `warn+ log lines during the outage ${outageLines.length} (allowed ${allowed})\n`,
      );
      expect(lost).toEqual([]);
    } finally {
      stop = true;
      await Promise.allSettled(senders);
    }
  },
  TEST_TIMEOUT_MS,
);
