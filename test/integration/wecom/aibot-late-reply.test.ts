import { FAKE_ERR_RESPONSE_CODE } from '../../fakes/wecom/FakeWeComServer.js';
import { gate, startHarness, type Harness } from './aibot-harness.js';

const CHAT = 'wrRelief002';
const NO_KEY_CHAT = 'wrElder003';
const KEY = 'webhook-key-relief-secret';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ passiveReplyMs: 150, webhookKeys: { [CHAT]: KEY } });
  h.fake.addWebhookKey(KEY);
});
afterAll(async () => {
  await h.close();
});

describe('replies after the passive window [101031, 101138, 91770]', () => {
  test('a slow handler gets an empty 200; its first late reply goes once to response_url, the next via the webhook robot', async () => {
    const hold = gate();
    h.setHandler(async (e) => {
      await hold.promise;
      await e.reply({ text: '处理完成 @{LiuYang}' });
      await e.reply({ text: '补充说明', mentions: ['LiHua'] });
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '@舆情助手 /上报 慢处理' });
    expect(ex.status).toBe(200);
    expect(ex.rawBody).toBe('');
    hold.open();

    const posted = await h.fake.waitFor((r) => r.kind === 'response_url' && r.code === ex.responseCode);
    expect(posted).toMatchObject({
      errcode: 0,
      body: { msgtype: 'markdown', markdown: { content: '处理完成 <@LiuYang>' } },
    });
    const hooked = await h.fake.waitFor((r) => r.kind === 'webhook' && JSON.stringify(r.body).includes('补充说明'));
    expect(hooked).toMatchObject({
      key: KEY,
      errcode: 0,
      body: { msgtype: 'markdown', markdown: { content: '补充说明\n<@LiHua>' } },
    });
    await h.adapter.drain();
    expect(h.fake.responseUrlPosts().filter((r) => r.code === ex.responseCode)).toHaveLength(1);

    // The url is single-use: WeCom (the fake) rejects a second use.
    const again = await fetch(ex.plaintext!.response_url as string, {
      method: 'POST',
      body: JSON.stringify({ msgtype: 'markdown', markdown: { content: 'x' } }),
    });
    expect(await again.json()).toEqual({ errcode: FAKE_ERR_RESPONSE_CODE, errmsg: 'response_code already used' });
  });

  test('a late card reply keeps its buttons: the response_url gets the template card', async () => {
    const hold = gate();
    h.setHandler(async (e) => {
      await hold.promise;
      await e.reply({
        text: '请签收',
        card: { id: 'late-card-1', title: '待签收', buttons: [{ key: 'ack:1', text: '签收' }] },
      });
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '/上报 卡片' });
    hold.open();
    const posted = await h.fake.waitFor((r) => r.kind === 'response_url' && r.code === ex.responseCode);
    expect(posted).toMatchObject({
      errcode: 0,
      body: { msgtype: 'template_card', template_card: { task_id: 'late-card-1', sub_title_text: '请签收' } },
    });
  });

  test('issue 12 item 2: a late card that mentions people keeps its buttons on the response_url and the mention text follows through the webhook robot (<@userid>, never plain ids)', async () => {
    const hold = gate();
    h.setHandler(async (e) => {
      await hold.promise;
      await e.reply({
        text: '请 @{LiuYang}（第一责任人）立即签收',
        mentions: ['LiuYang'],
        card: { id: 'late-card-2', title: '待签收', buttons: [{ key: 'ack:2', text: '签收' }] },
      });
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'ChenJing', text: '/上报 卡片提及' });
    hold.open();
    const posted = await h.fake.waitFor((r) => r.kind === 'response_url' && r.code === ex.responseCode);
    expect(posted).toMatchObject({
      errcode: 0,
      body: { msgtype: 'template_card', template_card: { task_id: 'late-card-2' } },
    });
    expect(JSON.stringify(posted.body)).not.toContain('LiuYang');
    const hooked = await h.fake.waitFor((r) => r.kind === 'webhook' && JSON.stringify(r.body).includes('立即签收'));
    expect(hooked).toMatchObject({
      errcode: 0,
      body: { msgtype: 'markdown', markdown: { content: '请 <@LiuYang>（第一责任人）立即签收' } },
    });
  });

  test('issue 12 item 2: without a webhook robot, a late card that mentions people goes to the response_url as markdown with <@userid>', async () => {
    const hold = gate();
    h.setHandler(async (e) => {
      await hold.promise;
      await e.reply({
        text: '请 @{ZhaoLei} 签收',
        mentions: ['ZhaoLei'],
        card: { id: 'late-card-3', title: '待签收', buttons: [{ key: 'ack:3', text: '签收' }] },
      });
    });
    const ex = await h.client.sendText({ chatId: NO_KEY_CHAT, userId: 'ZhaoLei', text: '/上报 无机器人' });
    hold.open();
    const posted = await h.fake.waitFor((r) => r.kind === 'response_url' && r.code === ex.responseCode);
    expect(posted.errcode).toBe(0);
    const body = posted.body as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain('请 <@ZhaoLei> 签收');
    expect(body.markdown.content).toContain('【签收】');
  });

  test('without a webhook key, replies beyond the response_url are logged as undeliverable', async () => {
    const hold = gate();
    h.setHandler(async (e) => {
      await hold.promise;
      await e.reply({ text: '第一条' });
      await e.reply({ text: '第二条' });
    });
    await h.client.sendText({ chatId: NO_KEY_CHAT, userId: 'ZhaoLei', text: '/上报 z' });
    hold.open();
    await h.adapter.drain();
    const warn = h.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg.includes('undeliverable') && l.chatId === NO_KEY_CHAT);
    expect(warn).toMatchObject({ level: 40 });
  });

  test('a handler that fails after the window sends its apology late, to the response_url', async () => {
    const hold = gate();
    h.setHandler(async () => {
      await hold.promise;
      throw new Error('late boom');
    });
    const ex = await h.client.sendText({ chatId: CHAT, userId: 'LiuYang', text: '/上报 失败' });
    hold.open();
    const posted = await h.fake.waitFor((r) => r.kind === 'response_url' && r.code === ex.responseCode);
    expect(JSON.stringify(posted.body)).toContain('抱歉');
  });

  test('the webhook key never appears in the log', async () => {
    await h.adapter.drain();
    expect(h.logs.join('\n')).not.toContain(KEY);
  });
});
