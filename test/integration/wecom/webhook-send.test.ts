import { CardNotUpdatableError, PlatformError } from '../../../src/errors.js';
import { utf8Bytes } from '../../../src/bot/adapters/wecom/render-markdown.js';
import { startHarness, type Harness } from './aibot-harness.js';

const CHAT = 'wrLeaders001';
const KEY = 'key-leaders-secret-0001';
const REMOVED_CHAT = 'wrRemoved009';
const REMOVED_KEY = 'key-robot-removed-0009';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhookKeys: { [CHAT]: KEY, [REMOVED_CHAT]: REMOVED_KEY } });
  h.fake.addWebhookKey(KEY); // REMOVED_KEY is unknown to WeCom: 93000
});
afterAll(async () => {
  await h.close();
});

const sentFor = (key: string) => h.fake.webhookMessages().filter((r) => r.key === key);
const retryLogs = () => h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'wecom webhook send failed, retrying');

describe('proactive group posts via the webhook robot [91770], errcode branching (wecom.md §5)', () => {
  test('a post is markdown with <@userid> mentions and a card rendered as a command hint', async () => {
    const ref = await h.adapter.send(
      { platform: 'wecom', chatId: CHAT },
      {
        text: '舆情 YQ-1 将于 30 分钟后超时，请 @{LiHua} 处理',
        mentions: ['LiHua', 'WangJianGuo'],
        card: { id: 'c1', title: '待签收', buttons: [{ key: 'ack:YQ-1', text: '签收' }] },
      },
    );
    expect(ref).toMatchObject({ platform: 'wecom', platformRef: { via: 'webhook', chatId: CHAT } });
    const rec = sentFor(KEY).at(-1)!;
    expect(rec.errcode).toBe(0);
    const content = (rec.body as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('请 <@LiHua> 处理\n<@WangJianGuo>');
    expect(content).toContain('【签收】');
  });

  test('45009 (frequency limit) is retried with exponential backoff and then succeeds', async () => {
    const before = sentFor(KEY).length;
    const logsBefore = retryLogs().length;
    h.fake.failNextWebhook(KEY, { errcode: 45009 }, 2);
    await h.adapter.send({ platform: 'wecom', chatId: CHAT }, { text: '重试测试' });
    expect(
      sentFor(KEY)
        .slice(before)
        .map((r) => r.errcode),
    ).toEqual([45009, 45009, 0]);
    expect(
      retryLogs()
        .slice(logsBefore)
        .map((l) => l.delayMs),
    ).toEqual([5, 10]);
  });

  test('HTTP 5xx and -1 (busy) are retried too', async () => {
    const before = sentFor(KEY).length;
    h.fake.failNextWebhook(KEY, { httpStatus: 502 }, 1);
    await h.adapter.send({ platform: 'wecom', chatId: CHAT }, { text: '网关错误后重试' });
    h.fake.failNextWebhook(KEY, { errcode: -1 }, 1);
    await h.adapter.send({ platform: 'wecom', chatId: CHAT }, { text: '系统繁忙后重试' });
    expect(
      sentFor(KEY)
        .slice(before)
        .map((r) => r.errcode),
    ).toEqual([-502, 0, -1, 0]);
  });

  test('a persistent 45009 gives up after 3 tries with a retryable PlatformError', async () => {
    const before = sentFor(KEY).length;
    h.fake.failNextWebhook(KEY, { errcode: 45009 }, 5);
    const err = await h.adapter.send({ platform: 'wecom', chatId: CHAT }, { text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ platformCode: 45009, retryable: true });
    expect(sentFor(KEY).length - before).toBe(3);
    h.fake.failNextWebhook(KEY, { errcode: 45009 }, 0);
  });

  test('93000 (bad key / robot removed) is not retried: one request, non-retryable PlatformError', async () => {
    const err = await h.adapter
      .send({ platform: 'wecom', chatId: REMOVED_CHAT }, { text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ platformCode: 93000, retryable: false });
    expect(sentFor(REMOVED_KEY)).toHaveLength(1);
  });

  test('1:1 sends and chats without a webhook key are refused with a PlatformError, nothing posted', async () => {
    const before = h.fake.received.length;
    await expect(h.adapter.send({ platform: 'wecom', userId: 'LiHua' }, { text: 'x' })).rejects.toMatchObject({
      code: 'PLATFORM',
      platformCode: 'NO_DIRECT_SEND',
    });
    await expect(h.adapter.send({ platform: 'wecom', chatId: 'wrNoRobot' }, { text: 'x' })).rejects.toMatchObject({
      platformCode: 'NO_WEBHOOK_KEY',
    });
    expect(h.fake.received.length).toBe(before);
  });

  test('long markdown is cut to 4096 UTF-8 bytes at a character boundary and accepted', async () => {
    await h.adapter.send({ platform: 'wecom', chatId: CHAT }, { text: '舆情处置进展'.repeat(400) });
    const rec = sentFor(KEY).at(-1)!;
    const content = (rec.body as { markdown: { content: string } }).markdown.content;
    expect(rec.errcode).toBe(0);
    expect(utf8Bytes(content)).toBeLessThanOrEqual(4096);
    expect(content.endsWith('…')).toBe(true);
  });

  test('the webhook key is never logged', () => {
    expect(h.logs.join('\n')).not.toContain(KEY);
    expect(h.logs.join('\n')).not.toContain(REMOVED_KEY);
  });

  test('updateCard outside a click callback says the card is not updatable, so the worker posts it anew (issue 12 item 4)', async () => {
    await expect(
      h.adapter.updateCard({ platform: 'wecom', id: 'r1' }, { id: 'c1', title: 't', buttons: [] }),
    ).rejects.toBeInstanceOf(CardNotUpdatableError);
    await expect(h.adapter.start()).resolves.toBeUndefined();
    await expect(h.adapter.stop()).resolves.toBeUndefined();
  });
});
