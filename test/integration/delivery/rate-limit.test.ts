/**
 * Issue 14 item 2, rate limits: a burst of 60 notices to one chat against a fake robot that answers
 * 45009 from the 21st message in its window [91770]. Nothing is dropped (every text, @-mention and
 * incident id arrives, once), queued messages are merged instead of waiting one by one, and no
 * message is rejected twice in a row without a wait between. The windows are shortened to 3 s.
 */
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import { startWeComE2E, type WeComE2E } from '../../e2e/support/wecom-app.js';
import { accepted, contentOf, deliveryConfig, occurrences, waitForAll } from './support.js';
import { RELIEF_WEBHOOK_KEY } from '../../e2e/support/wecom-app.js';

const WINDOW_MS = 3000;
let fake: FakeWeComServer;
let w: WeComE2E | undefined;
beforeEach(async () => {
  fake = await FakeWeComServer.start({ webhookPerMinute: 20, webhookWindowMs: WINDOW_MS });
});
afterEach(async () => {
  await w?.stop();
  w = undefined;
  await fake.close();
});

/** Queues 60 notices to the relief chat, alternating the @-mentioned person. */
async function burst(app: WeComE2E['app']): Promise<string[]> {
  const texts = Array.from({ length: 60 }, (_, i) => `YQ-20261201-${String(i + 1).padStart(3, '0')} 催办 #${i}#`);
  await Promise.all(
    texts.map((text, i) =>
      app.notifier.notify({ chatId: 'relief', text, mentions: [i % 2 ? 'wufang' : 'liuyang'] }, `test:burst:${i}`),
    ),
  );
  return texts;
}

test('over the platform limit (45009 from the 21st) the queue is merged: all 60 texts and both @-mentions arrive once, retries wait between rejections', async () => {
  // our own limiter is set high so that the platform's 45009 is what stops the burst
  w = await startWeComE2E({ config: deliveryConfig({ perWindow: 1000, windowMs: WINDOW_MS }), fake });
  const texts = await burst(w.app);
  await waitForAll(fake, texts, 20_000);
  for (const t of texts) expect(occurrences(fake, t)).toBe(1);
  const posts = accepted(fake);
  expect(posts.length).toBeLessThan(texts.length); // merged, not one by one
  const all = posts.map(contentOf).join('\n');
  expect(all).toContain('<@LiuYang>');
  expect(all).toContain('<@WuFang>');
  const rejected = fake.webhookMessages().filter((r) => r.key === RELIEF_WEBHOOK_KEY && r.errcode === 45009);
  expect(rejected.length).toBeGreaterThan(0);
  for (let i = 1; i < rejected.length; i++) expect(rejected[i].at - rejected[i - 1].at).toBeGreaterThanOrEqual(100);
  const metrics = await (await fetch(`${w.app.url}/metrics`)).text();
  expect(metrics).toMatch(/yuqing_outbox_merged_total\{platform="wecom"\} [1-9]/);
});

test('with our limiter at the robot limit the platform never says 45009: the excess waits for the next window, merged (issue 14 item 2)', async () => {
  w = await startWeComE2E({ config: deliveryConfig({ perWindow: 20, windowMs: WINDOW_MS }), fake });
  const texts = await burst(w.app);
  await waitForAll(fake, texts, 20_000);
  for (const t of texts) expect(occurrences(fake, t)).toBe(1);
  expect(fake.webhookMessages().filter((r) => r.errcode === 45009)).toEqual([]);
  expect(accepted(fake).length).toBeLessThanOrEqual(21 + 20);
  const metrics = await (await fetch(`${w.app.url}/metrics`)).text();
  expect(metrics).toMatch(/yuqing_rate_limit_waits_total\{platform="wecom"\} [1-9]/);
});
