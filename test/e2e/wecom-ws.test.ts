/**
 * The WeCom AI bot over its long connection (issue 12 item 1, done-means; wecom.md §1c, §8.1)
 * against the fake's WebSocket (test/fakes/wecom/FakeAiBotWs.ts): a group @-message opens an
 * incident and the answer mentions the responsible people in a notifying form (item 2); a card
 * click is answered with a card update within 5 s; the same msgid three times changes nothing
 * twice; a job's post reaches the group by `aibot_send_msg` with a notifying mention and no webhook
 * key; a burst of 40 posts to one chat arrives complete within the limit; heartbeats; the watchdog
 * resubscribes a stalled subscription; 846609 during resubscribe is transient.
 */
import { randomBytes } from 'node:crypto';
import { demoConfig, startTestApp, type TestApp } from '../helpers/app.js';
import { FakeWeComServer } from '../fakes/wecom/FakeWeComServer.js';
import type { WsRecord } from '../fakes/wecom/FakeAiBotWs.js';
import { reconnectDelayMs } from '../../src/bot/adapters/wecom/ws/WeComWsAdapter.js';
import { replayRecord } from '../../src/bot/adapters/wecom/callback-handling.js';

const BOT_ID = 'aibWsE2E';
const SECRET = 'ws-e2e-secret';
const RELIEF_CHAT = 'wrRelief002';
const WINDOW_MS = 3000;
const WATCHDOG_MS = 1000;

let fake: FakeWeComServer;
let app: TestApp;

/** The bot in ws mode on the fake, bot `botId` (each app its own: advisory locks are per database). */
async function startWsApp(botId: string, watchdogMs: number): Promise<TestApp> {
  fake.aibot.addBot(botId, SECRET);
  const config = demoConfig();
  // no webhook robot anywhere: the long connection posts by itself
  for (const c of config.chats) c.wecomWebhookKey = undefined;
  config.delivery.retry.baseMs = 50;
  config.delivery.retry.maxMs = 500;
  config.delivery.rateLimits = { wecom: { perWindow: 20, windowMs: WINDOW_MS, mergeMaxBytes: 4000 } };
  const started = await startTestApp({
    config,
    settings: {
      WECOM_AIBOT_MODE: 'ws',
      WECOM_AIBOT_BOT_ID: botId,
      WECOM_AIBOT_SECRET: SECRET,
      WECOM_AIBOT_WS_URL: fake.wsUrl,
      WECOM_API_BASE: fake.baseUrl,
      WECOM_AIBOT_HEARTBEAT_MS: '200',
      WECOM_AIBOT_WATCHDOG_MS: String(watchdogMs),
      WECOM_AIBOT_RECONNECT_BASE_MS: '50',
      WECOM_AIBOT_RECONNECT_MAX_MS: '400',
      WECOM_AIBOT_LEADER_POLL_MS: '200',
      WECOM_PASSIVE_REPLY_MS: '2500',
      WECOM_REPLAY_AFTER_SECONDS: '2',
      SANDBOX: 'off',
    },
  });
  await subscribed(botId);
  return started;
}

/** Resolves once a connection holds `botId` on the fake. */
async function subscribed(botId: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!fake.aibot.holds(botId)) {
    if (Date.now() > until) throw new Error(`no connection subscribed ${botId}`);
    await fake.aibot.waitFor((r) => r.cmd === 'aibot_subscribe', 1000).catch(() => undefined);
    await new Promise((res) => setImmediate(res));
  }
}

beforeAll(async () => {
  fake = await FakeWeComServer.start({ webhookWindowMs: WINDOW_MS });
  app = await startWsApp(BOT_ID, 600_000);
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

/** A group @-message callback body (1b) from `userid`. */
function groupText(userid: string, content: string, msgid = randomBytes(8).toString('hex')) {
  return {
    msgid,
    aibotid: BOT_ID,
    chatid: RELIEF_CHAT,
    chattype: 'group',
    from: { userid },
    msgtype: 'text',
    text: { content: `@舆情助手 ${content}` },
  };
}

/** The acknowledged answer frame to callback `reqId`. */
function answerTo(reqId: string, cmd = 'aibot_respond_msg', timeoutMs = 10_000): Promise<WsRecord> {
  return fake.aibot.waitFor((r) => r.cmd === cmd && r.reqId === reqId, timeoutMs);
}

async function incidentCount(like: string): Promise<number> {
  const r = await app.store.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM incidents WHERE description LIKE $1',
    [`%${like}%`],
  );
  return r.rows[0].n;
}

async function outboxDrained(timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await app.store.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE state NOT IN ('sent', 'merged', 'dead')",
    );
    if (r.rows[0].n === 0) return;
    if (Date.now() > until) throw new Error(`outbox not drained: ${r.rows[0].n} rows left`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('heartbeats: the SDK pings over the subscribed connection and the fake acknowledges (wecom.md §1c)', async () => {
  const ping = await fake.aibot.waitFor((r) => r.cmd === 'ping' && r.errcode === 0, 5000);
  expect(ping.errcode).toBe(0);
  expect(fake.aibot.holds(BOT_ID)).toBe(true);
});

test('a group @-message over the long connection opens an incident; the answer @-mentions the responsible people with <@userid>, card fields plain (issue 12 items 1, 2)', async () => {
  await subscribed(BOT_ID);
  const reqId = fake.aibot.deliverMessage(BOT_ID, groupText('ChenJing', '/上报 长连接上报测试 某论坛帖子 三级'));
  const answer = await answerTo(reqId);
  expect(answer.errcode).toBe(0);
  const body = answer.body as {
    msgtype: string;
    stream: { content: string };
    template_card: {
      horizontal_content_list: Array<{ keyname: string; value: string }>;
      main_title: { title: string };
    };
  };
  expect(body.msgtype).toBe('stream_with_template_card');
  expect(body.stream.content).toContain('<@LiuYang>');
  expect(body.stream.content).toContain('<@WuFang>');
  const cardText = JSON.stringify(body.template_card);
  expect(cardText).not.toMatch(/\*\*|<@|@\{/);
  expect(await incidentCount('长连接上报测试')).toBe(1);
});

test('a message whose handling a crash cut short (its claim left unfinished) is handed over again and answered by aibot_send_msg (README "Guarantees")', async () => {
  const callback = groupText('ChenJing', '/上报 长连接崩溃前未处理完的帖子 三级', 'ws-replay-1');
  // the state a process killed mid-command leaves: the claim with its callback, no done_at
  await app.store.pool.query(
    `INSERT INTO processed_events (platform, event_id, seen_at, replay)
     VALUES ('wecom', 'ws-replay-1', now() - interval '5 minutes', $1)`,
    [JSON.stringify(replayRecord(JSON.stringify(callback), Date.now() - 300_000))],
  );
  const sent = await fake.aibot.waitFor(
    (r) =>
      r.cmd === 'aibot_send_msg' &&
      r.errcode === 0 &&
      /YQ-\d{8}-\d{3}/.test(JSON.stringify(r.body)) &&
      JSON.stringify(r.body).includes('<@LiuYang>'),
    15_000,
  );
  expect(sent.errcode).toBe(0);
  expect(await incidentCount('长连接崩溃前未处理完的帖子')).toBe(1);
  await outboxDrained();
  const claim = await app.store.pool.query(
    "SELECT done_at IS NOT NULL AS done, replay FROM processed_events WHERE event_id = 'ws-replay-1'",
  );
  expect(claim.rows[0]).toEqual({ done: true, replay: null });
});

test('the same msgid delivered three times changes nothing twice: one incident, one answer (wecom.md §5)', async () => {
  const msg = groupText('ChenJing', '/上报 重复消息测试 某帖子 三级');
  const first = fake.aibot.deliverMessage(BOT_ID, msg);
  await answerTo(first);
  const again = [fake.aibot.deliverMessage(BOT_ID, msg), fake.aibot.deliverMessage(BOT_ID, msg)];
  // a later message's answer shows the repeats were processed (callbacks are handled in order of arrival)
  const probe = fake.aibot.deliverMessage(BOT_ID, groupText('ChenJing', '/帮助'));
  await answerTo(probe);
  await app.wecomWs!.drain();
  expect(await incidentCount('重复消息测试')).toBe(1);
  expect(fake.aibot.frames('aibot_respond_msg').filter((r) => again.includes(r.reqId))).toEqual([]);
});

test('a 签收 click is answered by a card update within 5 s (aibot_respond_update_msg; wecom.md §3)', async () => {
  const reqId = fake.aibot.deliverMessage(BOT_ID, groupText('ChenJing', '/上报 卡片点击测试 某帖子 三级'));
  const answer = await answerTo(reqId);
  const card = (answer.body as { template_card: { task_id: string; button_list: Array<{ key: string }> } })
    .template_card;
  const click = fake.aibot.deliverEvent(BOT_ID, {
    msgid: randomBytes(8).toString('hex'),
    aibotid: BOT_ID,
    chatid: RELIEF_CHAT,
    chattype: 'group',
    from: { userid: 'LiuYang' },
    msgtype: 'event',
    create_time: Math.floor(Date.now() / 1000),
    event: {
      eventtype: 'template_card_event',
      template_card_event: {
        card_type: 'button_interaction',
        event_key: card.button_list[0].key,
        task_id: card.task_id,
      },
    },
  });
  const update = await answerTo(click, 'aibot_respond_update_msg');
  expect(update.errcode).toBe(0); // the fake refuses updates later than 5 s
  const fields = JSON.stringify((update.body as { template_card: unknown }).template_card);
  expect(fields).toContain('已签收');
});

test('a job post reaches the group by aibot_send_msg with a notifying <@userid> mention, no webhook key (issue 12 item 1)', async () => {
  await app.notifier.notify({
    chatId: 'relief',
    text: '【提醒】长连接主动推送 请 @{liuyang} 处理',
    mentions: ['liuyang'],
  });
  const sent = await fake.aibot.waitFor(
    (r) => r.cmd === 'aibot_send_msg' && JSON.stringify(r.body).includes('长连接主动推送') && r.errcode === 0,
    10_000,
  );
  const body = sent.body as { chatid: string; msgtype: string; markdown: { content: string } };
  expect(body).toMatchObject({ chatid: RELIEF_CHAT, msgtype: 'markdown' });
  expect(body.markdown.content).toContain('<@LiuYang>');
  expect(fake.webhookMessages()).toEqual([]);
});

test('1:1 over the long connection: a notice for a person goes by aibot_send_msg to their userid (wecom.md §1c)', async () => {
  await app.notifier.notify({ directTo: ['liuyang'], text: '单聊提醒：请处理', mentions: [] });
  const sent = await fake.aibot.waitFor(
    (r) => r.cmd === 'aibot_send_msg' && r.errcode === 0 && JSON.stringify(r.body).includes('单聊提醒'),
    10_000,
  );
  expect((sent.body as { chatid: string }).chatid).toBe('LiuYang');
});

test('846609 ("not subscribed") during a resubscribe is transient: the post is retried and arrives', async () => {
  fake.aibot.failNextSend(846609);
  await app.notifier.notify({ chatId: 'relief', text: '订阅恢复后送达', mentions: [] });
  const rejected = await fake.aibot.waitFor((r) => r.cmd === 'aibot_send_msg' && r.errcode === 846609, 10_000);
  const ok = await fake.aibot.waitFor(
    (r) => r.cmd === 'aibot_send_msg' && r.errcode === 0 && JSON.stringify(r.body).includes('订阅恢复后送达'),
    15_000,
  );
  expect(ok.at).toBeGreaterThanOrEqual(rejected.at);
  await outboxDrained();
  const dead = await app.store.pool.query("SELECT count(*)::int AS n FROM outbox WHERE state = 'dead'");
  expect(dead.rows[0].n).toBe(0);
});

test('a burst of 40 posts to one chat arrives complete within the limit (20 per window; merged, none dropped)', async () => {
  const texts = Array.from({ length: 40 }, (_, i) => `突发推送第${String(i + 1).padStart(2, '0')}条`);
  const since = fake.aibot.received.length;
  await Promise.all(texts.map((text) => app.notifier.notify({ chatId: 'relief', text, mentions: [] })));
  await outboxDrained(30_000);
  const sends = fake.aibot.received.slice(since).filter((r) => r.cmd === 'aibot_send_msg');
  const accepted = sends.filter((r) => r.errcode === 0).map((r) => JSON.stringify(r.body));
  const missing = texts.filter((t) => !accepted.some((b) => b.includes(t)));
  const limited = sends.filter((r) => r.errcode === 45009).length;
  process.stdout.write(
    `ws burst: 40 posts in ${accepted.length} aibot_send_msg frames, 45009 answers: ${limited}, missing: ${missing.length}\n`,
  );
  expect(missing).toEqual([]);
  // merged into fewer frames than posts; never more than 20 accepted in any window
  expect(accepted.length).toBeLessThan(40);
  const times = sends.filter((r) => r.errcode === 0).map((r) => r.at);
  for (const t of times) expect(times.filter((u) => u >= t && u < t + WINDOW_MS).length).toBeLessThanOrEqual(20);
}, 60_000);

test('a dropped connection is reconnected (backoff with jitter) and subscribes again', async () => {
  const before = app.wecomWs!.stats();
  const t0 = Date.now();
  fake.aibot.drop(BOT_ID);
  await fake.aibot.waitFor((r) => r.cmd === 'aibot_subscribe' && r.errcode === 0 && r.at >= t0, 10_000);
  expect(app.wecomWs!.stats().reconnects).toBe(before.reconnects + 1);
  // usable once the SDK has read the subscribe acknowledgement
  const until = Date.now() + 5000;
  while (!app.wecomWs!.canSend() && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
  expect(app.wecomWs!.canSend()).toBe(true);
});

test('reconnect delays: exponential, capped, jittered between half and all of the step', () => {
  const b = { baseMs: 1000, maxMs: 30_000 };
  expect([1, 2, 3, 6, 10].map((n) => reconnectDelayMs(n, b, () => 1))).toEqual([1000, 2000, 4000, 30_000, 30_000]);
  expect([1, 2, 3].map((n) => reconnectDelayMs(n, b, () => 0))).toEqual([500, 1000, 2000]);
});

test('watchdog: callbacks lost while the socket looks open are noticed; the bot resubscribes and handles messages again (wecom.md §8.1)', async () => {
  const botId = 'aibWatchdog';
  const other = await startWsApp(botId, WATCHDOG_MS);
  try {
    const before = fake.aibot.subscriptions().length;
    fake.aibot.stall(botId);
    const lost = fake.aibot.deliverMessage(botId, { ...groupText('ChenJing', '/帮助'), aibotid: botId });
    await fake.aibot.waitFor(
      (r) => r.cmd === 'aibot_subscribe' && r.errcode === 0 && fake.aibot.subscriptions().length > before,
      WATCHDOG_MS * 5,
    );
    expect(fake.aibot.callbacks.find((c) => c.reqId === lost)?.delivered).toBe(false);
    expect(other.wecomWs!.stats().resubscribes).toBeGreaterThanOrEqual(1);
    await subscribed(botId);
    const reqId = fake.aibot.deliverMessage(botId, {
      ...groupText('ChenJing', '/上报 重新订阅后上报 某帖子 三级'),
      aibotid: botId,
    });
    expect((await answerTo(reqId)).errcode).toBe(0);
  } finally {
    await other.stop();
  }
}, 30_000);
