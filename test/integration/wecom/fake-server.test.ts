/** The fake must behave like WeCom where the adapter depends on it. */
import { FAKE_ERR_RESPONSE_CODE, FakeWeComServer, RESPONSE_CODE_TTL_MS } from '../../fakes/wecom/FakeWeComServer.js';

let fake: FakeWeComServer;
beforeEach(async () => {
  fake = await FakeWeComServer.start();
});
afterEach(async () => {
  await fake.close();
});

async function post(url: string, body: unknown): Promise<{ errcode: number; errmsg: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { errcode: number; errmsg: string };
}
const hook = (key: string) => `${fake.baseUrl}/cgi-bin/webhook/send?key=${key}`;

describe('fake response_url [101138]', () => {
  test('a response_code is single-use and expires one hour after issue', async () => {
    const a = fake.issueResponseUrl();
    expect((await post(a.url, { msgtype: 'markdown', markdown: { content: 'ok' } })).errcode).toBe(0);
    expect(await post(a.url, { msgtype: 'markdown', markdown: { content: 'ok' } })).toEqual({
      errcode: FAKE_ERR_RESPONSE_CODE,
      errmsg: 'response_code already used',
    });
    const b = fake.issueResponseUrl();
    fake.advance(RESPONSE_CODE_TTL_MS + 1);
    expect((await post(b.url, { msgtype: 'markdown', markdown: { content: 'ok' } })).errmsg).toBe(
      'response_code expired',
    );
    expect((await post(`${fake.baseUrl}/cgi-bin/aibot/response?response_code=never-issued`, {})).errcode).toBe(
      FAKE_ERR_RESPONSE_CODE,
    );
  });

  test('bodies are validated: empty markdown 44004, bad task_id 42014, unknown msgtype 40008; a rejected body does not spend the code', async () => {
    const { url } = fake.issueResponseUrl();
    expect((await post(url, { msgtype: 'markdown', markdown: { content: '' } })).errcode).toBe(44004);
    const badCard = {
      card_type: 'button_interaction',
      main_title: { title: 't' },
      task_id: 'bad id!',
      button_list: [{ text: 'a', key: 'k' }],
    };
    expect((await post(url, { msgtype: 'template_card', template_card: badCard })).errcode).toBe(42014);
    expect((await post(url, { msgtype: 'video' })).errcode).toBe(40008);
    expect(
      (await post(url, { msgtype: 'template_card', template_card: { ...badCard, task_id: 'ok-1' } })).errcode,
    ).toBe(0);
  });
});

describe('fake webhook robot [91770]', () => {
  test('unknown key 93000; text > 2048 and markdown > 4096 bytes 45002; every request recorded', async () => {
    fake.addWebhookKey('k1');
    expect((await post(hook('nope'), { msgtype: 'text', text: { content: 'x' } })).errcode).toBe(93000);
    expect((await post(hook('k1'), { msgtype: 'text', text: { content: '字'.repeat(683) } })).errcode).toBe(45002);
    expect((await post(hook('k1'), { msgtype: 'markdown', markdown: { content: 'a'.repeat(4097) } })).errcode).toBe(
      45002,
    );
    expect((await post(hook('k1'), { msgtype: 'markdown', markdown: { content: 'a'.repeat(4096) } })).errcode).toBe(0);
    expect(
      (await post(hook('k1'), { msgtype: 'template_card', template_card: { card_type: 'button_interaction' } }))
        .errcode,
    ).toBe(40058);
    expect(fake.webhookMessages()).toHaveLength(5);
  });

  test('20 messages per minute per key, then 45009 until the minute has passed', async () => {
    fake.addWebhookKey('k2');
    for (let i = 0; i < 20; i++)
      expect((await post(hook('k2'), { msgtype: 'text', text: { content: `m${i}` } })).errcode).toBe(0);
    expect((await post(hook('k2'), { msgtype: 'text', text: { content: 'm20' } })).errcode).toBe(45009);
    fake.advance(60_000);
    expect((await post(hook('k2'), { msgtype: 'text', text: { content: 'm21' } })).errcode).toBe(0);
  });

  test('waitFor resolves on a request that arrives later', async () => {
    fake.addWebhookKey('k3');
    const waiting = fake.waitFor((r) => r.kind === 'webhook' && r.key === 'k3');
    await post(hook('k3'), { msgtype: 'text', text: { content: 'hi' } });
    await expect(waiting).resolves.toMatchObject({ errcode: 0 });
  });
});
