/**
 * The whole bot on DingTalk Stream mode (issue 13 items 1, 5, 7; dingtalk.md §1b, §7.1–7.4): the
 * real `dingtalk-stream` 2.1.5 SDK, its hard-coded gateway URL redirected to the fake by an axios
 * interceptor in the harness. A group @-message over Stream opens an incident and notifies both
 * responsible people; frames are acknowledged after they are persisted; a re-pushed message changes
 * nothing twice; a card click over the card topic acknowledges and updates the card; after a
 * `disconnect` frame, a dropped socket, and a connection that goes silent without closing, the bot
 * is connected again within seconds and nothing pushed meanwhile is lost; nothing is left open.
 */
import { TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import { buildRobotMessage } from '../../src/bot/adapters/dingtalk/callback-builder.js';
import { TestClock } from '../helpers/app.js';
import { DT_APP_KEY, DT_RELIEF_CHAT, startDingTalkE2E, type DingTalkE2E } from './support/dingtalk-app.js';

describe('DingTalk Stream mode, end to end against the fake gateway', () => {
  let w: DingTalkE2E;
  const clock = new TestClock(new Date('2026-11-29T02:00:00Z'));
  const ID = 'YQ-20261129-001';
  const incidentCount = async () => (await w.app.incidents.list({ kind: 'system' }, {})).length;
  const message = (text: string, msgId: string) =>
    buildRobotMessage({
      chatId: DT_RELIEF_CHAT,
      userId: 'dt0004',
      text,
      msgId,
      robotCode: DT_APP_KEY,
      sessionWebhook: w.fake.issueSession(),
    });

  beforeAll(async () => {
    w = await startDingTalkE2E({
      mode: 'stream',
      clock,
      settings: { DINGTALK_STREAM_IDLE_MS: '1500' },
      fake: { redeliverMs: 700 },
    });
    await w.app.dingtalk!.stream!.waitConnected();
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('a group @-message over Stream opens an incident, both responsible people are @-notified, and the frame is acknowledged (issue 13 item 1)', async () => {
    const mid = w.fake.push(
      TOPIC_ROBOT,
      message('/上报 某论坛帖子转发较快 https://bbs.example.cn/t/9 三级', 'msgStream1=='),
    );
    const session = await w.fake.waitFor((r) => r.kind === 'session' && r.body.markdown.text.includes(ID));
    expect(session.body.at.atUserIds).toEqual(expect.arrayContaining(['dt0005', 'dt0006']));
    const card = await w.fake.waitFor((r) => r.kind === 'cardCreate');
    expect(card.body.callbackType).toBe('STREAM');
    await w.fake.waitFor((r) => r.kind === 'ack' && r.body.messageId === mid);
    expect(w.fake.unacked(mid)).toBe(false);
    expect(await incidentCount()).toBe(1);
  });

  test('the same message pushed again (redelivery) is acknowledged and changes nothing (dingtalk.md §5)', async () => {
    const replies = w.fake.of('session').length;
    const mid = w.fake.push(
      TOPIC_ROBOT,
      message('/上报 某论坛帖子转发较快 https://bbs.example.cn/t/9 三级', 'msgStream1=='),
    );
    await w.fake.waitFor((r) => r.kind === 'ack' && r.body.messageId === mid);
    await w.app.dingtalk!.drain();
    expect(await incidentCount()).toBe(1);
    expect(w.fake.of('session')).toHaveLength(replies);
  });

  test("a 签收 click on the card topic by 刘洋 acknowledges and updates the card; 徐婷's click changes nothing (issue 13 item 5)", async () => {
    const outTrackId = (await w.fake.waitFor((r) => r.kind === 'cardCreate')).body.outTrackId;
    const other = w.fake.push(TOPIC_CARD, w.click(outTrackId, 'dt0010', `ack:${ID}`));
    await w.fake.waitFor((r) => r.kind === 'batchSend' && r.body.userIds.includes('dt0010'));
    expect(w.fake.unacked(other)).toBe(false);
    expect(w.fake.of('cardUpdate')).toHaveLength(0);
    w.fake.push(TOPIC_CARD, w.click(outTrackId, 'dt0005', `ack:${ID}`));
    await w.fake.waitFor((r) => r.kind === 'cardUpdate');
    expect(w.fake.cards.get(outTrackId)!.params.fields).toContain('已签收');
    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.acknowledgements.map((a) => a.personId)).toEqual(['liuyang']);
  });

  test('a click whose card update fails at DingTalk is not counted as carried: the delivery worker updates the card afterwards', async () => {
    const outTrackId = (await w.fake.waitFor((r) => r.kind === 'cardCreate')).body.outTrackId;
    const updates = w.fake.of('cardUpdate').length;
    w.fake.failNext('cardUpdate');
    w.fake.push(TOPIC_CARD, w.click(outTrackId, 'dt0006', `ack:${ID}`));
    await w.fake.waitFor((r) => r.kind === 'cardUpdate' && r.status === 503);
    // the worker's retry succeeds and shows both acknowledgements
    await w.fake.until(
      () =>
        w.fake
          .of('cardUpdate')
          .slice(updates)
          .some((r) => r.status === 200),
      15_000,
    );
    expect(w.fake.cards.get(outTrackId)!.params.fields).toContain('吴芳');
    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.acknowledgements.map((a) => a.personId)).toEqual(['liuyang', 'wufang']);
    const rows = await w.app.store.db
      .selectFrom('outbox')
      .select(['state'])
      .where('kind', '=', 'card_update')
      .where('incident_id', '=', ID)
      .execute();
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
  });

  test('after a disconnect frame the bot opens a new connection at once and a message pushed right after is handled (dingtalk.md §7.2)', async () => {
    const opened = w.fake.connectionsOpened;
    w.fake.sendDisconnect(3000);
    await w.fake.until(() => w.fake.connectionsOpened > opened);
    const mid = w.fake.push(TOPIC_ROBOT, message('/上报 断线后的第一条 三级', 'msgAfterDisconnect=='));
    await w.fake.waitFor((r) => r.kind === 'ack' && r.body.messageId === mid);
    await w.fake.waitFor((r) => r.kind === 'session' && r.body.markdown.text.includes('YQ-20261129-002'));
    await w.fake.until(() => w.fake.sockets.size === 1);
  });

  test('a dropped socket: a message pushed while no connection is open is redelivered after the reconnect and handled once', async () => {
    const opened = w.fake.connectionsOpened;
    w.fake.dropConnections();
    const mid = w.fake.push(TOPIC_ROBOT, message('/上报 掉线期间的消息 三级', 'msgWhileDown=='));
    await w.fake.until(() => w.fake.connectionsOpened > opened);
    await w.fake.waitFor((r) => r.kind === 'ack' && r.body.messageId === mid);
    await w.fake.waitFor((r) => r.kind === 'session' && r.body.markdown.text.includes('YQ-20261129-003'));
    expect(await incidentCount()).toBe(3);
  });

  test('a connection that goes silent without closing is replaced by the idle watchdog within seconds; nothing pushed meanwhile is lost', async () => {
    const opened = w.fake.connectionsOpened;
    w.fake.silence();
    const mid = w.fake.push(TOPIC_ROBOT, message('/上报 静默期间的消息 三级', 'msgWhileSilent=='));
    const t0 = Date.now();
    await w.fake.until(() => w.fake.connectionsOpened > opened, 10_000);
    expect(Date.now() - t0).toBeLessThan(8000);
    await w.fake.waitFor((r) => r.kind === 'ack' && r.body.messageId === mid, 8000);
    await w.fake.waitFor((r) => r.kind === 'session' && r.body.markdown.text.includes('YQ-20261129-004'));
    expect(await incidentCount()).toBe(4);
    expect(w.fake.liveConnections()).toBe(1);
  });

  test('stop leaves no connection open on the gateway (no socket leak across reconnects)', async () => {
    await w.app.dingtalk!.stop();
    expect(w.app.dingtalk!.stream!.connected).toBe(false);
    expect(w.app.dingtalk!.stream!.timers).toBe(0);
    await w.fake.until(() => w.fake.liveConnections() === 0);
    expect(w.fake.connectionsOpened).toBe(w.app.dingtalk!.stream!.opened);
  });
});
