/**
 * Fault test "Crash" (issue 14): the bot runs as a child process (`node --import tsx src/main.ts`,
 * DATABASE_URL = a fresh test database, WeCom API = the fake server in this process). Two
 * senders drive `/上报 … CR-<n>` through signed WeCom callbacks, retried like WeCom does (same
 * msgid, up to 3 tries, wecom.md §5) while the bot is killed with SIGKILL at random moments and
 * started again, `FAULT_CRASH_CYCLES` times, until `FAULT_CRASH_COMMANDS` commands were sent.
 * After a last start and the outbox drained, it proves:
 * - every command that got a success answer (its incident id, passive or late) is in the ledger;
 * - no command is carried out twice (a retry after "done" committed is a duplicate, migration
 *   0008); a command never carried out (sent, retried like WeCom, no incident) is counted and
 *   must be the one known window: its handling outlasted the passive-reply window, the bot
 *   acknowledged WeCom with a 200 carrying no outcome, and a kill came before the commit (the
 *   client never saw a success answer; WeCom does not retry an acknowledged callback);
 * - every outbox row is delivered (state sent), and each open notice reached the fake or the
 *   client exactly once — a send that crashed between the platform's success and our commit may
 *   repeat once: counted and reported, and bounded (rare).
 * Defaults are the issue's numbers (200 commands, 20 cycles); the time is mostly the child's
 * start-ups (5–37 s each on a loaded 2-core machine, where 200/20 passed in 465 s: 21 starts; 0
 * lost, 0 never carried out, 1 open notice delivered twice). Smaller runs while developing:
 * FAULT_CRASH_COMMANDS=40 FAULT_CRASH_CYCLES=4.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WECOM_AIBOT_CALLBACK_PATH } from '../../../src/bot/adapters/wecom/index.js';
import { findFreePort } from '../../../src/store/free-port.js';
import { BotProcess } from '../../fakes/bot-process.js';
import { FakeWeComServer, type FakeRecord } from '../../fakes/wecom/FakeWeComServer.js';
import { WeComCallbackClient } from '../../fakes/wecom/WeComCallbackClient.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { E2E_AES_KEY, E2E_TOKEN, RELIEF_CHAT, RELIEF_WEBHOOK_KEY } from '../support/wecom-app.js';

const COMMANDS = Number(process.env.FAULT_CRASH_COMMANDS ?? 200);
const CYCLES = Number(process.env.FAULT_CRASH_CYCLES ?? 20);
const ID_RE = /YQ-\d{8}-\d{3}/;
const OTHER_WEBHOOK_KEYS = ['leaders-robot-crash-key', 'elder-robot-crash-key'];
const OPEN_RE = /【舆情上报】\**(YQ-\d{8}-\d{3})/g;

let tdb: TestDatabase;
let fake: FakeWeComServer;
let bot: BotProcess;
let dir: string;
let port: number;

beforeAll(async () => {
  tdb = await createTestDatabase();
  fake = await FakeWeComServer.start({ webhookPerMinute: 100_000 });
  fake.addWebhookKey(RELIEF_WEBHOOK_KEY);
  // the other groups get robots too: started after 17:30 the bot posts the day's missed rollup
  // (补发) to every group, and those rows must be deliverable for "every row delivered" to hold
  for (const key of OTHER_WEBHOOK_KEYS) fake.addWebhookKey(key);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-crash-'));
  const yaml = (await fs.readFile('config/default.yaml', 'utf8'))
    .replace('wecomChatId: wrRelief002,', `wecomChatId: wrRelief002, wecomWebhookKey: ${RELIEF_WEBHOOK_KEY},`)
    .replace('wecomChatId: wrLeaders001,', `wecomChatId: wrLeaders001, wecomWebhookKey: ${OTHER_WEBHOOK_KEYS[0]},`)
    .replace('wecomChatId: wrElder003,', `wecomChatId: wrElder003, wecomWebhookKey: ${OTHER_WEBHOOK_KEYS[1]},`)
    // short leases: a killed holder's rows come back within seconds (defaults: 60 s / 30 s)
    .replace('leaseMs: 60000', 'leaseMs: 5000')
    .replace('replyLeaseMs: 30000', 'replyLeaseMs: 5000');
  await fs.writeFile(path.join(dir, 'org.yaml'), yaml);
  port = await findFreePort();
  bot = new BotProcess({
    logFile: path.join(dir, 'bot.log'),
    env: {
      PORT: String(port),
      DATABASE_URL: tdb.connectionString,
      CONFIG_FILE: path.join(dir, 'org.yaml'),
      SANDBOX: 'off',
      LOG_LEVEL: 'warn',
      WECOM_AIBOT_TOKEN: E2E_TOKEN,
      WECOM_AIBOT_ENCODING_AES_KEY: E2E_AES_KEY,
      WECOM_API_BASE: fake.baseUrl,
    },
  });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await tdb?.drop();
  await fs.rm(dir, { recursive: true, force: true });
}, 60_000);

interface Command {
  tag: string;
  msgid: string;
  tries: number;
  /** The incident id from a success answer (passive reply), if one came back. */
  answered?: string;
  /** The last answer's status and start of its text (for the report). */
  last?: string;
  /** When the last HTTP answer came (ms since epoch). */
  lastAt?: number;
}

test(`crash: ${COMMANDS} commands, SIGKILL at random moments and restart ×${CYCLES}: every acknowledged command is in the ledger, every outbox row delivered, repeats counted`, async () => {
  const client = new WeComCallbackClient({
    token: E2E_TOKEN,
    encodingAESKey: E2E_AES_KEY,
    botUrl: `http://127.0.0.1:${port}${WECOM_AIBOT_CALLBACK_PATH}`,
    fake,
  });
  const commands: Command[] = [];
  let next = 0;
  let up: Promise<void> = bot.start();
  await up;

  /**
   * One command, retried like WeCom (wecom.md §5): same msgid, 3 tries in all, 5 s apart — here
   * also not before the bot is up again.
   */
  const send = async (cmd: Command) => {
    while (cmd.tries < 3) {
      cmd.tries += 1;
      const triedAt = Date.now();
      try {
        const ex = await client.sendText({
          chatId: RELIEF_CHAT,
          userId: 'ChenJing',
          msgid: cmd.msgid,
          text: `@舆情助手 /上报 崩溃测试 ${cmd.tag} 某论坛帖子`,
        });
        const content = (ex.reply as { stream?: { content?: string } } | undefined)?.stream?.content ?? '';
        cmd.last = `${ex.status} ${content.slice(0, 40) || '(empty)'}`;
        cmd.lastAt = Date.now();
        if (ex.status === 200) {
          if (content.includes(`${cmd.tag} `) && ID_RE.test(content)) cmd.answered = ID_RE.exec(content)![0];
          return;
        }
      } catch {
        /* connection refused or reset: the bot is down */
      }
      await up;
      const wait = triedAt + 5000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const sender = async () => {
    while (next < COMMANDS) {
      next += 1;
      const cmd: Command = { tag: `CR-${next}`, msgid: `crash-${next}-${Date.now()}`, tries: 0 };
      commands.push(cmd);
      await send(cmd);
    }
  };
  const senders = [sender(), sender()];

  // Kill at random moments while commands flow, then start again.
  const killedAt: number[] = [];
  const perCycle = Math.max(1, Math.floor(COMMANDS / (CYCLES + 1)));
  for (let cycle = 1; cycle <= CYCLES && next < COMMANDS; cycle += 1) {
    const target = Math.min(COMMANDS, cycle * perCycle);
    while (next < target) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
    killedAt.push(Date.now());
    await bot.kill();
    up = bot.start();
    await up;
  }
  await Promise.all(senders);
  // Let the worker finish what was queued (a crashed holder's lease must expire first).
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await tdb.store.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE state NOT IN ('sent', 'merged')",
    );
    if (r.rows[0].n === 0) break;
    if (Date.now() > deadline) {
      const left = await tdb.store.pool.query(
        "SELECT key, kind, state, attempts, next_attempt_at, lease_until, last_error FROM outbox WHERE state NOT IN ('sent', 'merged')",
      );
      throw new Error(`${r.rows[0].n} outbox rows never delivered: ${JSON.stringify(left.rows)}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  await bot.stop();

  // 1. Every command that got a success answer is in the ledger (its incident, with its tag).
  const answered = commands.filter((c) => c.answered);
  const incidents = await tdb.store.pool.query<{ id: string; description: string }>(
    'SELECT id, description FROM incidents',
  );
  const byId = new Map(incidents.rows.map((r) => [r.id, r.description]));
  const lostAcknowledged = answered.filter((c) => !byId.get(c.answered!)?.includes(`${c.tag} `));
  // A tag handled twice would be two incidents.
  const perTag = new Map<string, number>();
  for (const r of incidents.rows) {
    const tag = /CR-\d+/.exec(r.description)?.[0];
    if (tag) perTag.set(tag, (perTag.get(tag) ?? 0) + 1);
  }
  const doubled = [...perTag.values()].filter((n) => n > 1).length;
  const unanswered = commands.filter((c) => !c.answered);
  const unansweredButDone = unanswered.filter((c) => perTag.has(c.tag)).length;
  // Sent, retried like WeCom, and never carried out: the claim of a crashed process must be taken over.
  const neverDone = commands.filter((c) => !perTag.has(c.tag)).map((c) => c.tag);

  // 2. Every outbox row delivered exactly once, as the fake (late replies, webhook) or the client (passive) saw it.
  const rows = await tdb.store.pool.query<{ key: string; incident_id: string | null; state: string }>(
    'SELECT key, incident_id, state FROM outbox',
  );
  const seen = new Map<string, number>();
  const count = (text: string) => {
    for (const m of text.matchAll(OPEN_RE)) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
  };
  for (const ex of client.received)
    count((ex.reply as { stream?: { content?: string } } | undefined)?.stream?.content ?? '');
  for (const r of fake.received.filter((x: FakeRecord) => x.errcode === 0)) count(JSON.stringify(r.body));
  const openRows = rows.rows.filter((r) => r.key.startsWith('open:'));
  const undelivered = openRows.filter((r) => (seen.get(r.incident_id ?? '') ?? 0) === 0).map((r) => r.key);
  const repeats = openRows.filter((r) => (seen.get(r.incident_id ?? '') ?? 0) > 1).length;

  process.stdout.write(
    `crash: ${commands.length} commands, ${bot.kills} kills, ${bot.starts} starts; ${answered.length} answered, ` +
      `${unanswered.length} unanswered (${unansweredButDone} of them carried out anyway); lost acknowledged ${lostAcknowledged.length}; ` +
      `never carried out ${neverDone.length} (${commands
        .filter((c) => neverDone.includes(c.tag))
        .map((c) => `${c.tag} after ${c.tries} tries: ${c.last ?? 'no answer'}`)
        .join('; ')}); ` +
      `handled twice ${doubled}; outbox rows ${rows.rows.length} (open notices ${openRows.length}), undelivered ${undelivered.length}, ` +
      `delivered twice ${repeats}; start-up ms ${bot.startMs.join(',')}\n`,
  );
  expect(bot.kills).toBe(CYCLES);
  expect(lostAcknowledged).toEqual([]);
  expect(doubled).toBe(0);
  expect(rows.rows.every((r) => r.state === 'sent' || r.state === 'merged')).toBe(true);
  expect(undelivered).toEqual([]);
  // A repeat needs a kill between the platform's success and our commit: at most one per kill.
  expect(repeats).toBeLessThanOrEqual(bot.kills);
  expect(answered.length).toBeGreaterThan(commands.length / 2);
  // 3. A command never carried out is legitimate only as the one known window: the handler ran past
  // WeCom's passive-reply window (WECOM_PASSIVE_REPLY_MS), so the bot acknowledged the callback with
  // HTTP 200 and no outcome yet (WeCom does not retry an acknowledged callback; the result would
  // have come late via response_url), and the process was killed before the command committed.
  // The client never got a success answer. The other legitimate case: none of the 3 tries got any
  // HTTP answer (each met a bot that was down or was killed mid-request; at 20 kills the bot is down
  // for much of the run), so WeCom gives up as this client does, and the user saw no answer at all.
  // Anything else (an answer other than an empty 200, or no kill after it) is a loss.
  const unexplained = commands.filter(
    (c) =>
      neverDone.includes(c.tag) &&
      c.last !== undefined &&
      !(c.last.startsWith('200 ') && c.lastAt !== undefined && killedAt.some((k) => k >= c.lastAt! - 50)),
  );
  expect(unexplained.map((c) => `${c.tag}: ${c.last ?? 'no answer'}`)).toEqual([]);
}, 1_200_000);
