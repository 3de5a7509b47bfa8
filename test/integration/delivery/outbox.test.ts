/**
 * Issue 14 items 1–2 against the fake WeCom webhook robot [91770] (real PostgreSQL, real Agenda,
 * real HTTP): order per chat, retries with exponential backoff on transient errors (errcode -1,
 * HTTP 502; wecom.md §5), dead letter on a non-retryable error (93000) shown on /healthz and in the
 * ledger and /查看, requeued by an admin (`POST /api/outbox/:id/retry` behind ADMIN_TOKEN, `/重发`).
 */
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import { say } from '../../helpers/chat.js';
import { RELIEF_WEBHOOK_KEY, startWeComE2E, type WeComE2E } from '../../e2e/support/wecom-app.js';
import { accepted, BASE_MS, contentOf, deliveryConfig, occurrences, waitForAll } from './support.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
let w: WeComE2E;
let fakeToClose: FakeWeComServer;
beforeAll(async () => {
  // rate limits are another test's subject (rate-limit.test.ts): out of the way here
  const fake = await FakeWeComServer.start({ webhookPerMinute: 10_000 });
  w = await startWeComE2E({ config: deliveryConfig({ perWindow: 10_000 }), settings: { ADMIN_TOKEN }, fake });
  fakeToClose = fake;
});
afterAll(async () => {
  await w.stop();
  await fakeToClose.close();
});

const notice = (text: string) => ({ chatId: 'relief', text, mentions: [] as string[] });

test('messages to one chat arrive in the order they were queued, each once, through an outage of errcode -1 and HTTP 502 (issue 14 item 2)', async () => {
  w.fake.failNextWebhook(RELIEF_WEBHOOK_KEY, { errcode: -1 }, 2);
  const texts = Array.from({ length: 8 }, (_, i) => `顺序测试 #${i}#`);
  for (const [i, t] of texts.entries()) await w.app.notifier.notify(notice(t), `test:order:${i}`);
  await waitForAll(w.fake, texts);
  w.fake.failNextWebhook(RELIEF_WEBHOOK_KEY, { httpStatus: 502 }, 2);
  const more = Array.from({ length: 4 }, (_, i) => `顺序测试 #${i + 8}#`);
  for (const [i, t] of more.entries()) await w.app.notifier.notify(notice(t), `test:order:${i + 8}`);
  await waitForAll(w.fake, more);

  const seen = accepted(w.fake)
    .map(contentOf)
    .flatMap((c) => [...c.matchAll(/顺序测试 #(\d+)#/g)].map((m) => Number(m[1])));
  expect(seen).toEqual([...texts, ...more].map((_, i) => i));
  for (const t of [...texts, ...more]) expect(occurrences(w.fake, t)).toBe(1);
});

test('a retried message backs off exponentially with jitter: gaps of at least 0.5·base·2^(n−1) (issue 14 item 2)', async () => {
  w.fake.failNextWebhook(RELIEF_WEBHOOK_KEY, { errcode: -1 }, 3);
  await w.app.notifier.notify(notice('退避测试'), 'test:backoff');
  await waitForAll(w.fake, ['退避测试']);
  const tries = w.fake
    .webhookMessages()
    .filter((r) => r.key === RELIEF_WEBHOOK_KEY && contentOf(r).includes('退避测试'));
  expect(tries.map((r) => r.errcode)).toEqual([-1, -1, -1, 0]);
  const gaps = tries.slice(1).map((r, i) => r.at - tries[i].at);
  for (const [i, g] of gaps.entries()) expect(g).toBeGreaterThanOrEqual(0.5 * BASE_MS * 2 ** i - 5);
});

test('the same idempotency key queued twice is one row and one message (issue 14 item 1)', async () => {
  await w.app.notifier.notify(notice('幂等测试'), 'test:idempotent');
  await w.app.notifier.notify(notice('幂等测试'), 'test:idempotent');
  await waitForAll(w.fake, ['幂等测试']);
  await w.app.notifier.notify(notice('幂等测试之后'), 'test:idempotent:after');
  await waitForAll(w.fake, ['幂等测试之后']); // anything queued after it comes after it: no second copy before
  const copies = accepted(w.fake).reduce((n, r) => n + (contentOf(r).match(/幂等测试(?!之后)/g) ?? []).length, 0);
  expect(copies).toBe(1);
});

test('a non-retryable error (93000) is a dead letter: /healthz degraded with counts and the error, ledger and /查看 say so; the admin requeues it (issue 14 item 2)', async () => {
  w.fake.failNextWebhook(RELIEF_WEBHOOK_KEY, { errcode: 93000 }, 1);
  const [opened] = await say(w.app, 'relief', 'chenjing', '/上报 死信测试 网传办事推诿');
  const id = /YQ-\d{8}-\d{3}/.exec(opened.text)![0];
  // the open notice went to the sandbox chat as the reply and to the WeCom chat through the worker
  const health = await pollHealth((h) => h.delivery?.dead === 1);
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ status: 'degraded', delivery: { dead: 1 } });
  expect(health.body.delivery.lastError.error).toContain('93000');
  const deadId = health.body.delivery.lastError.id as number;

  const view = await w.app.incidents.view({ kind: 'system' }, id);
  expect(view.ledger.find((e) => e.kind === 'message.failed')?.payload).toMatchObject({ outboxId: deadId });
  expect(view.deliveries.find((d) => d.id === deadId)?.state).toBe('failed');
  const [shown] = await say(w.app, 'relief', 'chenjing', `/查看 ${id}`);
  expect(shown.text).toContain(`发送失败 1（消息编号 ${deadId}`);

  // the admin API: 401 JSON without (or with a wrong) bearer token, then the retry
  const retry = (auth?: string) =>
    fetch(`${w.app.url}/api/outbox/${deadId}/retry`, {
      method: 'POST',
      headers: auth ? { authorization: auth } : {},
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
  expect(await retry()).toMatchObject({ status: 401, body: { error: 'UNAUTHORIZED' } });
  expect(await retry('Bearer wrong-token-0123456789xx')).toMatchObject({ status: 401 });
  expect(await retry(`Bearer ${ADMIN_TOKEN}`)).toEqual({ status: 200, body: { requeued: 1 } });
  await waitForAll(w.fake, ['死信测试']);
  expect((await pollHealth((h) => h.delivery?.dead === 0)).body.status).toBe('ok');
  expect((await w.app.incidents.view({ kind: 'system' }, id)).ledger.map((e) => e.kind)).toContain('message.requeued');
});

test('/重发 requeues dead letters for the office; others are refused (issue 14 item 2)', async () => {
  w.fake.failNextWebhook(RELIEF_WEBHOOK_KEY, { errcode: 93000 }, 1);
  await w.app.notifier.notify(notice('重发命令测试'), 'test:resend');
  await pollHealth((h) => h.delivery?.dead === 1);
  const [refused] = await say(w.app, 'relief', 'xuting', '/重发 全部');
  expect(refused.text).toContain('没有重发消息的权限');
  const [done] = await say(w.app, 'relief', 'chenjing', '/重发 全部');
  expect(done.text).toContain('已将 1 条发送失败的消息重新排队发送');
  await waitForAll(w.fake, ['重发命令测试']);
  const [bad] = await say(w.app, 'relief', 'chenjing', '/重发 abc');
  expect(bad.text).toContain('用法：/重发 <消息编号|全部>');
});

test('GET /metrics is Prometheus text with inbound, outbox, latency and rate-limit series (issue 14 item 5)', async () => {
  const res = await fetch(`${w.app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  expect(text).toMatch(/yuqing_inbound_events_total\{platform="sandbox",outcome="ok"\} \d+/);
  expect(text).toMatch(/yuqing_outbox_messages\{platform="wecom",state="sent"\} [1-9]\d*/);
  expect(text).toMatch(/yuqing_outbox_retried_total\{platform="wecom"\} [1-9]/);
  expect(text).toMatch(/yuqing_outbox_dead_total\{platform="wecom"\} [1-9]/);
  expect(text).toContain('yuqing_delivery_latency_seconds_bucket');
  expect(text).toContain('yuqing_chase_lateness_seconds');
  expect(text).toContain('yuqing_rate_limit_waits_total');
});

/** Polls /healthz until `ok(body)` (event-free state change in the database: bounded polling). */
async function pollHealth(ok: (b: any) => boolean, timeoutMs = 10_000): Promise<{ status: number; body: any }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await w.app.get('/healthz');
    if (ok(r.body) || Date.now() > until) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}
