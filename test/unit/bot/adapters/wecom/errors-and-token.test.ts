/**
 * Issue 12 item 5: every errcode of wecom.md §5 maps to retry / refresh / give up (config or
 * payload) in the one table; item 3: the access-token cache (one in-flight refresh, early
 * refresh, a stale token replaced once however many callers saw it rejected).
 */
import { AccessTokenCache } from '../../../../../src/bot/adapters/wecom/app/AccessTokenCache.js';
import {
  CONFIG_ERRCODES,
  errcodeAction,
  RETRYABLE_ERRCODES,
  TOKEN_ERRCODES,
  weComApiError,
} from '../../../../../src/bot/adapters/wecom/errors.js';

test('the wecom.md §5 table, code by code', () => {
  const expected: Record<number, string> = {
    [-1]: 'retry',
    40014: 'refresh',
    42001: 'refresh',
    41001: 'refresh',
    40001: 'config',
    45009: 'rate',
    45033: 'retry',
    48002: 'config',
    60011: 'config',
    60020: 'config',
    81013: 'giveup',
    86003: 'giveup',
    86008: 'giveup',
    93000: 'config',
    93004: 'config',
    93008: 'config',
    44004: 'payload',
    45002: 'payload',
    42045: 'payload',
  };
  for (const [code, action] of Object.entries(expected))
    expect([code, errcodeAction(Number(code))]).toEqual([code, action]);
  expect(errcodeAction(12345)).toBe('giveup');
  expect([...RETRYABLE_ERRCODES].sort()).toEqual([-1, 45009, 45033].sort());
  expect([...TOKEN_ERRCODES].sort()).toEqual([40014, 41001, 42001]);
  expect(CONFIG_ERRCODES.has(60020) && CONFIG_ERRCODES.has(93000)).toBe(true);
});

test('PlatformError flags follow the table: only -1/45009/45033 retry; 60020 and 93000 are configuration errors', () => {
  const busy = weComApiError('message/send', -1);
  expect([busy.retryable, busy.rateLimited, busy.configuration]).toEqual([true, false, false]);
  const freq = weComApiError('webhook', 45009);
  expect([freq.retryable, freq.rateLimited]).toEqual([true, true]);
  for (const code of [60020, 93000, 93004, 93008, 40001, 48002, 60011]) {
    const e = weComApiError('x', code);
    expect([code, e.retryable, e.configuration]).toEqual([code, false, true]);
  }
  const tooLong = weComApiError('x', 45002);
  expect([tooLong.retryable, tooLong.configuration, tooLong.platformCode]).toEqual([false, false, 45002]);
  expect(weComApiError('x', 60020).message).toContain('trusted IP');
});

function tokenSource() {
  let n = 0;
  const pending: Array<() => void> = [];
  return {
    calls: () => n,
    release: () => {
      for (const r of pending.splice(0)) r();
    },
    fetch: () => {
      n += 1;
      const token = `t${n}`;
      return new Promise<{ token: string; expiresInSeconds: number }>((resolve) =>
        pending.push(() => resolve({ token, expiresInSeconds: 7200 })),
      );
    },
  };
}

test('concurrent callers share one gettoken; a rejected token is replaced once (wecom.md §2)', async () => {
  const src = tokenSource();
  let now = 0;
  const cache = new AccessTokenCache({ fetch: src.fetch, earlyRefreshMs: 300_000, now: () => now });
  const first = Promise.all([cache.get(), cache.get(), cache.get()]);
  src.release();
  expect(await first).toEqual(['t1', 't1', 't1']);
  expect(src.calls()).toBe(1);
  // three callers saw t1 rejected (40014): one refresh
  const again = Promise.all([cache.refresh('t1'), cache.refresh('t1'), cache.refresh('t1')]);
  src.release();
  expect(await again).toEqual(['t2', 't2', 't2']);
  expect(src.calls()).toBe(2);
  // a late caller with the old token gets the new one without a call
  expect(await cache.refresh('t1')).toBe('t2');
  expect(src.calls()).toBe(2);
  // early refresh: 5 minutes before the 7200 s are over
  now = 7200_000 - 300_000 - 1;
  expect(await cache.get()).toBe('t2');
  now = 7200_000 - 300_000;
  const early = cache.get();
  src.release();
  expect(await early).toBe('t3');
});

test('a failed gettoken is not cached: the next call tries again', async () => {
  let n = 0;
  const cache = new AccessTokenCache({
    earlyRefreshMs: 0,
    fetch: async () => {
      n += 1;
      if (n === 1) throw weComApiError('gettoken', 40001);
      return { token: 'ok', expiresInSeconds: 7200 };
    },
  });
  await expect(cache.get()).rejects.toMatchObject({ platformCode: 40001, configuration: true });
  expect(await cache.get()).toBe('ok');
});
