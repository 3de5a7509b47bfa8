/**
 * The DingTalk HTTP client against the fake: one token refresh in flight for concurrent callers,
 * token cached until shortly before expiry, timeouts and 5xx are retryable PlatformErrors
 * (dingtalk.md §2, §5, §7.5; issue 13 item 6).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { DingTalkApi } from '../../../src/bot/adapters/dingtalk/DingTalkApi.js';
import { PlatformError } from '../../../src/errors.js';
import { FakeDingTalk } from '../../fakes/dingtalk/FakeDingTalk.js';

const logger = pino({ level: 'silent' });

describe('DingTalkApi', () => {
  let fake: FakeDingTalk;
  beforeAll(async () => {
    fake = await FakeDingTalk.start({ appKey: 'k', appSecret: 's', robotCode: 'k' });
  });
  afterAll(async () => {
    await fake.close();
  });

  test('ten concurrent calls share one token request; the cached token is reused', async () => {
    const api = new DingTalkApi({ appKey: 'k', appSecret: 's', apiBase: fake.baseUrl, timeoutMs: 3000, logger });
    const before = fake.of('token').length;
    const tokens = await Promise.all(Array.from({ length: 10 }, () => api.accessToken()));
    expect(new Set(tokens).size).toBe(1);
    await api.v1('POST', '/v1.0/robot/groupMessages/send', {
      robotCode: 'k',
      openConversationId: 'cidX',
      msgKey: 'sampleText',
      msgParam: '{"content":"x"}',
    });
    expect(fake.of('token').length - before).toBe(1);
  });

  test('a token within 5 minutes of expiry is refreshed before use', async () => {
    let now = Date.now();
    const api = new DingTalkApi({
      appKey: 'k',
      appSecret: 's',
      apiBase: fake.baseUrl,
      timeoutMs: 3000,
      logger,
      now: () => now,
    });
    const first = await api.accessToken();
    now += 7200_000 - 299_000;
    expect(await api.accessToken()).not.toBe(first);
  });

  test('wrong credentials are a non-retryable PlatformError', async () => {
    const api = new DingTalkApi({ appKey: 'k', appSecret: 'wrong', apiBase: fake.baseUrl, timeoutMs: 3000, logger });
    await expect(api.accessToken()).rejects.toMatchObject({
      retryable: false,
      platformCode: 'invalidClientIdOrSecret',
    });
  });

  test('a server that never answers times out as a retryable PlatformError; HTTP 200 with errcode -1 is a retryable failure', async () => {
    const hanging = createServer((req, res) => {
      if (req.url?.startsWith('/busy')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"errcode":-1,"errmsg":"系统繁忙"}');
      }
    });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const api = new DingTalkApi({ appKey: 'k', appSecret: 's', apiBase: base, timeoutMs: 200, logger });
    try {
      const err = await api.accessToken().catch((e) => e);
      expect(err).toBeInstanceOf(PlatformError);
      expect(err).toMatchObject({ retryable: true, platformCode: 'NETWORK' });
      const patient = new DingTalkApi({ appKey: 'k', appSecret: 's', apiBase: base, timeoutMs: 5000, logger });
      await expect(patient.oapiPost(`${base}/busy`, {}, 'busy')).rejects.toMatchObject({
        retryable: true,
        platformCode: -1,
      });
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });
});
