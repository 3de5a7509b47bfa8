/**
 * The WeCom self-built app end to end against the fake WeCom (issue 12 items 3–6, "Done means"):
 * opening an incident pings each responsible person 1:1 with a 签收 card; a click on that card
 * acknowledges and the card is updated once with the click's response_code; the same MsgId three
 * times changes nothing twice; a revoked token is refreshed once; 93000 / 60020 show on /healthz
 * as configuration errors and are not retried; the URL check and the CorpID check.
 */
import type { AppRecord } from '../fakes/wecom/app-api.js';
import { xml } from '../fakes/wecom/WeComAppCallbackClient.js';
import { RELIEF_CHAT, RELIEF_WEBHOOK_KEY } from './support/wecom-app.js';
import { APP, startWeComAppE2E, type WeComAppE2E } from './support/wecom-selfbuilt.js';

type Card = {
  task_id: string;
  main_title: { title: string };
  horizontal_content_list?: Array<{ keyname: string; value: string }>;
  button_list: Array<{ key: string; text: string }>;
  replace_text?: string;
  sub_title_text?: string;
};
const cardOf = (r: AppRecord) => (r.body as { template_card: Card }).template_card;
const isCardTo = (user: string) => (r: AppRecord) =>
  r.api === 'message/send' &&
  r.errcode === 0 &&
  (r.body as { touser: string; msgtype: string }).touser === user &&
  (r.body as { msgtype: string }).msgtype === 'template_card';
const textTo = (user: string, needle: string) => (r: AppRecord) =>
  r.api === 'message/send' &&
  r.errcode === 0 &&
  (r.body as { touser: string }).touser === user &&
  ((r.body as { text?: { content: string } }).text?.content ?? '').includes(needle);

describe('WeCom self-built app (issue 12 items 3–6)', () => {
  let w: WeComAppE2E;
  let incidentId: string;

  beforeAll(async () => {
    w = await startWeComAppE2E();
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('URL check answers the decrypted echostr; a frame for another CorpID is refused (wecom.md §1a, §4)', async () => {
    const ok = await w.appClient.verifyUrl('1288432023552776189');
    expect(ok).toEqual({ status: 200, body: '1288432023552776189' });
    const other = await w.appClient.verifyUrl('1288432023552776189', 'wwSomeOtherCorp');
    expect(other.status).toBe(401);
    const forged = await w.appClient.post(xml({ FromUserName: 'LiuYang', MsgType: 'text' }), 'wwSomeOtherCorp');
    expect(forged.status).toBe(401);
  });

  test('opening an incident pings each responsible person 1:1 with the 签收 card (item 3, Done means)', async () => {
    await w.client.sendText({ chatId: RELIEF_CHAT, userId: 'ChenJing', text: '@舆情助手 /上报 网传低保审核不公 三级' });
    const liu = await w.fake.waitForApp(isCardTo('LiuYang'));
    const wu = await w.fake.waitForApp(isCardTo('WuFang'));
    const card = cardOf(liu);
    incidentId = /ack-(YQ-\d{8}-\d{3})@/.exec(card.task_id)![1];
    expect(card.button_list).toEqual([expect.objectContaining({ key: `ack:${incidentId}`, text: '签收' })]);
    expect(card.sub_title_text).toContain('请 @刘洋（第一责任人）、@吴芳（直接责任人） 立即签收');
    expect(card.sub_title_text).not.toContain('**');
    // unique task_id per send (wecom.md §3)
    expect(cardOf(wu).task_id).not.toBe(card.task_id);
    expect(liu.response_code).toBeTruthy();
  });

  test('a click on 签收 in the app acknowledges and updates that card once (item 4, Done means)', async () => {
    const sent = await w.fake.waitForApp(isCardTo('LiuYang'));
    const code = w.fake.app.clickCode('LiuYang');
    const r = await w.appClient.click('LiuYang', cardOf(sent).task_id, `ack:${incidentId}`, code);
    expect(r).toEqual({ status: 200, body: '' });
    const update = await w.fake.waitForApp(
      (x) => x.api === 'message/update_template_card' && (x.body as { response_code: string }).response_code === code,
    );
    expect(update.errcode).toBe(0);
    const updated = (update.body as { template_card: Card; userids: string[] }).template_card;
    expect((update.body as { userids: string[] }).userids).toEqual(['LiuYang']);
    expect(updated.button_list).toEqual([]);
    expect(updated.replace_text).toBe('已处理');
    expect(updated.horizontal_content_list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ keyname: '第一责任人 刘洋', value: expect.stringMatching(/^已签收/) }),
      ]),
    );
    const acks = await w.app.store.uow.repo.acknowledgements(incidentId);
    expect(acks.map((a) => a.personId)).toEqual(['liuyang']);
    // the reply went 1:1 through the app
    await w.fake.waitForApp(textTo('LiuYang', `刘洋 已签收 ${incidentId}`));
    // the same click code again: WeCom would reject it, and we never spend a code twice
    await w.appClient.click('LiuYang', cardOf(sent).task_id, `ack:${incidentId}`, code);
    await w.app.wecomApp!.drain();
    expect(
      w.fake.app.received.filter(
        (x) => x.api === 'message/update_template_card' && (x.body as { response_code: string }).response_code === code,
      ),
    ).toHaveLength(1);
  });

  test('the same MsgId delivered three times is handled once (wecom.md §5, Done means)', async () => {
    const msgId = '9223372036854775809'; // above 2^63: kept as text
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await w.appClient.text('WuFang', `/签收 ${incidentId}`, msgId));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await w.fake.waitForApp(textTo('WuFang', `吴芳 已签收 ${incidentId}`));
    await w.app.wecomApp!.drain();
    expect(w.fake.app.received.filter(textTo('WuFang', '签收'))).toHaveLength(1);
    const acks = await w.app.store.uow.repo.acknowledgements(incidentId);
    expect(acks.map((a) => a.personId).sort()).toEqual(['liuyang', 'wufang']);
    const ledger = await w.app.store.uow.repo.ledger(incidentId);
    expect(ledger.filter((e) => e.kind === 'incident.acknowledged' && e.actor === 'wufang')).toHaveLength(1);
    // the copies sent 1:1 are refreshed with the response_code each send returned (kept in card_refs)
    const sentToWu = await w.fake.waitForApp(isCardTo('WuFang'));
    const refreshed = await w.fake.waitForApp(
      (x) =>
        x.api === 'message/update_template_card' &&
        (x.body as { response_code: string }).response_code === sentToWu.response_code,
    );
    expect(refreshed.errcode).toBe(0);
    const card = (refreshed.body as { template_card: Card }).template_card;
    expect(card.main_title.title).toContain('已全部签收');
    expect(card.replace_text).toBe('已处理');
  });

  test('an approval card reaches the approver 1:1; 通过 clicked there decides and updates that card (issue 8 via item 3–4)', async () => {
    await w.client.sendText({
      chatId: RELIEF_CHAT,
      userId: 'ZhangMin',
      text: `@舆情助手 /拟稿 ${incidentId} 关于低保审核问题的情况说明`,
    });
    const isApprovalCard = (r: AppRecord) =>
      isCardTo('WangJianGuo')(r) && cardOf(r).task_id.startsWith(`apv-${incidentId}-statement-1@`);
    const sent = await w.fake.waitForApp(isApprovalCard);
    expect(cardOf(sent).button_list.map((b) => b.key)).toEqual([
      `apv:${incidentId}:statement:1:approve`,
      `apv:${incidentId}:statement:1:reject`,
    ]);
    const code = w.fake.app.clickCode('WangJianGuo');
    await w.appClient.click('WangJianGuo', cardOf(sent).task_id, `apv:${incidentId}:statement:1:approve`, code);
    const update = await w.fake.waitForApp(
      (x) => x.api === 'message/update_template_card' && (x.body as { response_code: string }).response_code === code,
    );
    expect(update.errcode).toBe(0);
    expect((update.body as { template_card: Card }).template_card.button_list).toEqual([]);
    const v = (await w.app.approvals.versions(incidentId))[0];
    expect([v.state, v.decidedBy]).toEqual(['approved', 'wangjg']);
  });

  test('a revoked token is refreshed once and the call retried once (wecom.md §2, §5, Done means)', async () => {
    const before = w.fake.app.received.filter((r) => r.api === 'gettoken').length;
    w.fake.app.revokeTokens();
    await w.appClient.text('XuTing', '/帮助');
    await w.fake.waitForApp(textTo('XuTing', '/上报'));
    const tokens = w.fake.app.received.filter((r) => r.api === 'gettoken');
    expect(tokens.length - before).toBe(1);
    const toXu = w.fake.app.received.filter(
      (r) => r.api === 'message/send' && (r.body as { touser: string }).touser === 'XuTing',
    );
    expect(toXu.map((r) => r.errcode)).toEqual([40014, 0]);
  });

  test('93000 and 60020 are configuration errors on /healthz, never retried (item 5, Done means)', async () => {
    // every send fails from here on (the last test of this app): a message of an earlier test still
    // being delivered may meet the failure first, and must not use up the failures the probes need
    w.fake.failNextWebhook(RELIEF_WEBHOOK_KEY, { errcode: 93000 }, 1000);
    await w.app.notifier.notify({ chatId: 'relief', text: '配置检查：群机器人', mentions: [] });
    w.fake.app.failNext('message/send', 60020, 1000);
    await w.app.notifier.notify({ directTo: ['zhaolei'], text: '配置检查：应用', mentions: [] });
    const problems = async () => {
      for (;;) {
        const body = (await (await fetch(`${w.app.url}/healthz`)).json()) as {
          status: string;
          configuration?: Array<{ code: number; reason: string; destination: string }>;
        };
        // both probes answered with their errcodes (not only earlier messages), and both on /healthz
        const tried =
          w.fake
            .webhookMessages()
            .some((m) => m.errcode === 93000 && JSON.stringify(m.body).includes('配置检查：群机器人')) &&
          w.fake.app.received.some((r) => r.errcode === 60020 && JSON.stringify(r.body).includes('配置检查：应用'));
        if (tried && (body.configuration?.length ?? 0) >= 2) return body;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const health = await problems();
    expect(health.status).toBe('degraded');
    expect(health.configuration).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 93000, destination: `chat:${RELIEF_CHAT}` }),
        expect.objectContaining({
          code: 60020,
          destination: 'user:ZhaoLei',
          reason: expect.stringContaining('trusted IP'),
        }),
      ]),
    );
    // one attempt each: a configuration error is not retried (a message of an earlier test still
    // being delivered may meet the injected failure too: it must not be tried twice either)
    const once = (bodies: unknown[], probe: string) => {
      const texts = bodies.map((b) => JSON.stringify(b));
      expect(texts.filter((t) => t.includes(probe))).toHaveLength(1);
      expect(new Set(texts).size).toBe(texts.length);
    };
    once(
      w.fake
        .webhookMessages()
        .filter((m) => m.errcode === 93000)
        .map((m) => m.body),
      '配置检查：群机器人',
    );
    once(
      w.fake.app.received.filter((r) => r.errcode === 60020).map((r) => r.body),
      '配置检查：应用',
    );
  });
});

describe('WeCom app token cache', () => {
  test('concurrent sends share one gettoken (one in-flight refresh, wecom.md §2)', async () => {
    const w = await startWeComAppE2E();
    try {
      await Promise.all(
        ['LiuYang', 'WuFang', 'ZhaoLei', 'SunLi'].map((u, i) => w.appClient.text(u, '/帮助', `100000000000000000${i}`)),
      );
      for (const u of ['LiuYang', 'WuFang', 'ZhaoLei', 'SunLi']) await w.fake.waitForApp(textTo(u, '/上报'));
      expect(w.fake.app.received.filter((r) => r.api === 'gettoken')).toHaveLength(1);
      expect(APP.corpId).toBe(w.fake.app.received[0].query.corpid);
    } finally {
      await w.stop();
    }
  });
});
