/**
 * The whole bot behind its DingTalk robot in HTTP mode (issue 13 items 2, 3, 4, 5; dingtalk.md §1a,
 * §2, §3): a signed group @-message opens an incident and both responsible people are @-notified
 * through the sessionWebhook (literal `@userId` + `at.atUserIds`) and by the 签收 card's atUserIds;
 * a responsible click acknowledges and updates the card, anyone else's changes nothing; forged and
 * stale callbacks are 401; a redelivered msgId changes nothing twice; an expired sessionWebhook
 * falls back to the OpenAPI; proactive posts reach the group and notify the owners.
 */
import { PlatformError } from '../../src/errors.js';
import { TestClock } from '../helpers/app.js';
import { DT_RELIEF_CHAT, dingtalkConfig, startDingTalkE2E, type DingTalkE2E } from './support/dingtalk-app.js';

describe('DingTalk HTTP mode, end to end against the fake DingTalk', () => {
  let w: DingTalkE2E;
  // 2026-11-29 10:00 Asia/Shanghai: ids are YQ-20261129-NNN.
  const clock = new TestClock(new Date('2026-11-29T02:00:00Z'));
  const ID = 'YQ-20261129-001';
  const incidentCount = async () => (await w.app.incidents.list({ kind: 'system' }, {})).length;
  let outTrackId = '';

  beforeAll(async () => {
    w = await startDingTalkE2E({ mode: 'http', clock });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('a group @-message /上报 opens an incident; the sessionWebhook reply @-notifies both responsible people and the 签收 card is delivered to the group with atUserIds (issue 13 items 2, 3, 5; dingtalk.md §2 "@-mentions in markdown")', async () => {
    const res = await w.sendText({
      chatId: DT_RELIEF_CHAT,
      userId: 'dt0004',
      text: '/上报 某论坛出现“低保审核不公”的帖子，转发较快 https://bbs.example.cn/t/123 三级',
      msgId: 'msgE2eOpen1==',
    });
    expect(res.status).toBe(200);
    const session = await w.fake.waitFor((r) => r.kind === 'session' && r.body.markdown.text.includes(ID));
    expect(session.error).toBeUndefined();
    expect(session.body.markdown.text).toContain('@dt0005');
    expect(session.body.markdown.text).toContain('@dt0006');
    expect(session.body.at.atUserIds).toEqual(expect.arrayContaining(['dt0005', 'dt0006']));
    const card = await w.fake.waitFor((r) => r.kind === 'cardCreate');
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({
      callbackType: 'HTTP',
      callbackRouteKey: 'yuqing-e2e',
      openSpaceId: `dtv1.card//IM_GROUP.${DT_RELIEF_CHAT}`,
      cardData: { cardParamMap: { btn1_key: `ack:${ID}`, btn1_text: '签收', card_id: `ack-${ID}` } },
    });
    expect(Object.keys(card.body.imGroupOpenDeliverModel.atUserIds)).toEqual(
      expect.arrayContaining(['dt0005', 'dt0006']),
    );
    outTrackId = card.body.outTrackId;
    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.incident).toMatchObject({ chatId: 'relief', reporterId: 'chenjing', status: 'reported' });
  });

  test('the same msgId delivered again changes nothing: 200, no second incident, no second reply (dingtalk.md §5 dedupe robotCode+msgId)', async () => {
    const before = await incidentCount();
    const replies = w.fake.of('session').length;
    const res = await w.sendText({
      chatId: DT_RELIEF_CHAT,
      userId: 'dt0004',
      text: '/上报 重复',
      msgId: 'msgE2eOpen1==',
    });
    expect(res.status).toBe(200);
    await w.app.dingtalk!.drain();
    expect(await incidentCount()).toBe(before);
    expect(w.fake.of('session')).toHaveLength(replies);
  });

  test('a forged sign is 401 and a correctly signed but two-hour-old timestamp is 401; neither opens anything nor is marked seen (issue 13 item 2; dingtalk.md §1a)', async () => {
    const before = await incidentCount();
    const forged = await w.sendText(
      { chatId: DT_RELIEF_CHAT, userId: 'dt0004', text: '/上报 伪造', msgId: 'msgForged==' },
      { sign: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toMatchObject({ error: 'SIGNATURE' });
    const { signedHeaders } = await import('../../src/bot/adapters/dingtalk/callback-builder.js');
    const stale = await w.sendText(
      { chatId: DT_RELIEF_CHAT, userId: 'dt0004', text: '/上报 过期', msgId: 'msgStale==' },
      signedHeaders('e2e-dingtalk-app-secret', Date.now() - 2 * 3_600_000),
    );
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body)).toMatchObject({ error: 'STALE' });
    expect(await incidentCount()).toBe(before);
    const seen = await w.app.store.pool.query(
      "SELECT 1 FROM processed_events WHERE platform = 'dingtalk' AND (event_id LIKE '%msgForged==' OR event_id LIKE '%msgStale==')",
    );
    expect(seen.rowCount).toBe(0);
  });

  test('a 签收 click by someone not responsible changes nothing: no card update, a Chinese refusal 1:1 (issue 13 "anyone else\'s click changes nothing")', async () => {
    const res = await w.clickHttp(outTrackId, 'dt0010', `ack:${ID}`);
    expect(res.status).toBe(200);
    await w.app.dingtalk!.drain();
    const refusal = await w.fake.waitFor((r) => r.kind === 'batchSend' && r.body.userIds.includes('dt0010'));
    expect(JSON.parse(refusal.body.msgParam).text).toContain(`不是 ${ID} 的责任人`);
    expect(w.fake.of('cardUpdate')).toHaveLength(0);
    expect((await w.app.incidents.view({ kind: 'system' }, ID)).acknowledgements).toEqual([]);
  });

  test('a 签收 click by 刘洋 (dt0005) acknowledges in the database and the card is updated by PUT /v1.0/card/instances (dingtalk.md §3)', async () => {
    const res = await w.clickHttp(outTrackId, 'dt0005', `ack:${ID}`);
    expect(res.status).toBe(200);
    await w.app.dingtalk!.drain();
    const update = await w.fake.waitFor((r) => r.kind === 'cardUpdate');
    expect(update.status).toBe(200);
    expect(update.body.outTrackId).toBe(outTrackId);
    expect(w.fake.cards.get(outTrackId)!.params.fields).toContain('已签收');
    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.acknowledgements.map((a) => a.personId)).toEqual(['liuyang']);
  });

  test('an expired sessionWebhook falls back to the OpenAPI: the reply goes by groupMessages/send (issue 13 item 3)', async () => {
    const groupBefore = w.fake.of('groupSend').length;
    const res = await w.sendText({
      chatId: DT_RELIEF_CHAT,
      userId: 'dt0004',
      text: '/列表',
      msgId: 'msgExpired==',
      sessionExpiresAt: Date.now() - 1000,
    });
    expect(res.status).toBe(200);
    await w.app.dingtalk!.drain();
    const sends = w.fake.of('groupSend').slice(groupBefore);
    expect(sends.length).toBeGreaterThan(0);
    expect(sends[0]).toMatchObject({
      status: 200,
      body: { openConversationId: DT_RELIEF_CHAT, msgKey: 'sampleMarkdown' },
    });
    expect(JSON.parse(sends[0].body.msgParam).text).toContain(ID);
  });

  test('a proactive chase reaches the group by groupMessages/send and notifies the owners 1:1 by batchSend (issue 13 item 4)', async () => {
    const before = w.fake.received.length;
    await w.app.notifier.notify({
      chatId: 'relief',
      text: '@{liuyang} 请尽快签收 YQ-20261129-001',
      mentions: ['liuyang'],
    });
    // the notice is an outbox row (issue 14): wait for the delivery worker to send it
    const fresh = (kind: string) => (r: (typeof w.fake.received)[number]) =>
      r.kind === kind && w.fake.received.indexOf(r) >= before;
    const group = await w.fake.waitFor(fresh('groupSend'));
    expect(group.status).toBe(200);
    expect(JSON.parse(group.body.msgParam).text).toContain('@dt0005');
    const direct = await w.fake.waitFor(fresh('batchSend'));
    expect(direct).toMatchObject({ status: 200, body: { userIds: ['dt0005'] } });
  });

  test('an expired access token is refreshed once and the send succeeds (dingtalk.md §5 "refresh the token once")', async () => {
    w.fake.expireTokens();
    const tokensBefore = w.fake.of('token').length;
    const ref = await w.app.dingtalk!.send({ platform: 'dingtalk', chatId: DT_RELIEF_CHAT }, { text: '测试' });
    expect(ref.platform).toBe('dingtalk');
    expect(w.fake.of('token').length).toBe(tokensBefore + 1);
    expect(JSON.parse(JSON.stringify(ref))).toEqual(ref);
  });

  test('a send the platform refuses throws PlatformError, not retryable for a bad chat id (dingtalk.md §5 "never retry other 4xx")', async () => {
    await expect(
      w.app.dingtalk!.send({ platform: 'dingtalk', chatId: 'notacid' }, { text: 'x' }),
    ).rejects.toMatchObject({
      retryable: false,
      platformCode: 'invalidParameter.openConversationId',
    });
    await expect(
      w.app.dingtalk!.send({ platform: 'dingtalk', chatId: 'notacid' }, { text: 'x' }),
    ).rejects.toBeInstanceOf(PlatformError);
  });
});

describe('DingTalk custom group robot for proactive mentions (issue 13 item 4; dingtalk.md §2)', () => {
  let w: DingTalkE2E;
  beforeAll(async () => {
    w = await startDingTalkE2E({
      mode: 'http',
      config: dingtalkConfig({ customRobot: true }),
      fake: { customRobotPerMinute: 2 },
    });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('a notice with mentions goes as a signed custom-robot post with at.atUserIds; past the per-minute limit the fake answers 130101 and send throws a retryable PlatformError', async () => {
    const send = () =>
      w.app.dingtalk!.send(
        { platform: 'dingtalk', chatId: DT_RELIEF_CHAT },
        { text: '@{dt0005} 请尽快签收', mentions: ['dt0005'] },
      );
    await send();
    const post = w.fake.of('customRobot')[0];
    expect(post).toMatchObject({ status: 200, error: undefined });
    expect(post.body.markdown.text).toContain('@dt0005');
    expect(post.body.at.atUserIds).toEqual(['dt0005']);
    await send();
    await expect(send()).rejects.toMatchObject({ retryable: true, platformCode: 130101 });
    expect(w.fake.of('groupSend')).toHaveLength(0);
  });
});
