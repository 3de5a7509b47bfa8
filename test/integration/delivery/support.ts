/**
 * Shared pieces of the delivery tests (issue 14): a WeCom-enabled config with fast retries and a
 * short rate window, helpers to queue notices and read what the fake WeCom server accepted.
 */
import type { OrgConfig } from '../../../src/config/schema.js';
import type { FakeWeComServer, FakeRecord } from '../../fakes/wecom/FakeWeComServer.js';
import { RELIEF_WEBHOOK_KEY, wecomConfig } from '../../e2e/support/wecom-app.js';

/** Retry base of these tests, ms (backoff 100, 200, 400 … with jitter ×[0.5, 1)). */
export const BASE_MS = 100;

/** The demo organisation on WeCom with fast delivery settings; `limit` = our robot limit per window. */
export function deliveryConfig(opts: { perWindow?: number; windowMs?: number } = {}): OrgConfig {
  return wecomConfig((c: OrgConfig) => {
    c.delivery.retry.baseMs = BASE_MS;
    c.delivery.retry.maxMs = 2000;
    c.delivery.pollMs = 500;
    c.delivery.rateLimits = {
      wecom: { perWindow: opts.perWindow ?? 20, windowMs: opts.windowMs ?? 60_000, mergeMaxBytes: 4000 },
    };
  });
}

/** Markdown content of a webhook record. */
export function contentOf(r: FakeRecord): string {
  return (r.body as { markdown?: { content?: string } } | undefined)?.markdown?.content ?? '';
}

/** Webhook posts to the relief robot (or, with `anyKey`, to any robot) the fake accepted (errcode 0), in arrival order. */
export function accepted(fake: FakeWeComServer, anyKey = false): FakeRecord[] {
  return fake.webhookMessages().filter((r) => (anyKey || r.key === RELIEF_WEBHOOK_KEY) && r.errcode === 0);
}

/** Resolves once the fake has accepted posts containing every one of `needles`. */
export async function waitForAll(
  fake: FakeWeComServer,
  needles: string[],
  timeoutMs = 15_000,
  anyKey = false,
): Promise<void> {
  const missing = () => needles.filter((n) => !accepted(fake, anyKey).some((r) => contentOf(r).includes(n)));
  const until = Date.now() + timeoutMs;
  for (let m = missing(); m.length; m = missing()) {
    const left = until - Date.now();
    if (left <= 0) throw new Error(`not delivered: ${m.slice(0, 5).join(', ')}`);
    await fake
      .waitFor((r) => r.kind === 'webhook' && r.errcode === 0 && m.some((n) => contentOf(r).includes(n)), left)
      .catch(() => undefined);
  }
}

/** How often each needle occurs across accepted posts. */
export function occurrences(fake: FakeWeComServer, needle: string): number {
  return accepted(fake).reduce((n, r) => n + contentOf(r).split(needle).length - 1, 0);
}
