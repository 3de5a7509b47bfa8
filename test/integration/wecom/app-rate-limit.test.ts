/**
 * Issue 12 item 3: the app's per-member limits (30 a minute AND 1000 an hour, wecom.md §8.4) go
 * through the outbox's shared limiter (`delivery.rateLimits.wecom.direct` with an extra window),
 * because WeCom drops the excess SILENTLY: a burst of 1:1 notices to one person arrives complete,
 * merged, never over either window. Both windows are scaled down (1 s / 4 s) for the test.
 */
import type { OrgConfig } from '../../../src/config/schema.js';
import { wecomConfig } from '../../e2e/support/wecom-app.js';
import { startWeComAppE2E, type WeComAppE2E } from '../../e2e/support/wecom-selfbuilt.js';

// ours is one below the fake's in each window: the fake counts by its receipt time, which a loaded
// machine delays by more than the limiter's margin (in production the margin is 3 s of a minute)
const MINUTE = { perWindow: 3, windowMs: 1000 };
const HOUR = { perWindow: 6, windowMs: 4000 };
let w: WeComAppE2E | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

test('a burst of 24 notices 1:1 to one member: all arrive, merged, none dropped, within both windows', async () => {
  const config: OrgConfig = wecomConfig((c) => {
    c.delivery.retry.baseMs = 100;
    c.delivery.pollMs = 200;
    c.delivery.rateLimits = {
      wecom: {
        perWindow: 20,
        windowMs: 60_000,
        mergeMaxBytes: 4000,
        direct: { ...MINUTE, mergeMaxBytes: 160, also: [HOUR] },
      },
    };
  });
  w = await startWeComAppE2E({
    config,
    fakeApp: {
      perMinute: MINUTE.perWindow + 1,
      minuteMs: MINUTE.windowMs,
      perHour: HOUR.perWindow + 1,
      hourMs: HOUR.windowMs,
    },
  });
  const texts = Array.from({ length: 24 }, (_, i) => `YQ-20261201-${String(i + 1).padStart(3, '0')} 请签收 #${i}#`);
  for (const [i, text] of texts.entries())
    await w.app.notifier.notify({ directTo: ['liuyang'], text, mentions: [] }, `test:direct:${i}`);
  const content = (r: { body: unknown }) => (r.body as { text?: { content: string } }).text?.content ?? '';
  const missing = () => texts.filter((t) => !w!.fake.app.deliveredTo('LiuYang').some((r) => content(r).includes(t)));
  // each round waits for the fake's next record (an event), never a fixed sleep
  while (missing().length) {
    const seen = w.fake.app.received.length;
    await w.fake.waitForApp((r) => w!.fake.app.received.indexOf(r) >= seen, 20_000);
  }

  const sends = w.fake.app.received.filter((r) => r.api === 'message/send' && r.errcode === 0);
  expect(sends.flatMap((r) => r.dropped ?? [])).toEqual([]);
  const all = sends.map(content).join('\n');
  for (const t of texts) expect(all.split(t).length - 1).toBe(1);
  expect(sends.length).toBeLessThan(texts.length); // merged
  const times = sends.map((r) => r.at);
  // by the fake's receipt times, never over what WeCom (the fake) accepts: ours is one below, the
  // slack absorbs the delay between our claim and its receipt
  for (const t of times) {
    expect(times.filter((u) => u > t - MINUTE.windowMs && u <= t).length).toBeLessThanOrEqual(MINUTE.perWindow + 1);
    expect(times.filter((u) => u > t - HOUR.windowMs && u <= t).length).toBeLessThanOrEqual(HOUR.perWindow + 1);
  }
}, 60_000);
