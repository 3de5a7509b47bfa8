/**
 * The whole bot behind its WeCom AI-bot callback [100719, 101027, 101031, 101033]: real crypto,
 * real PostgreSQL, real Agenda, real HTTP, and a fake WeCom API for response_url [101138] and the
 * webhook robot [91770]. What a group member does in WeCom — @-mention the bot with /上报, click
 * 签收 on the card — lands in the database and comes back as encrypted passive answers; forged,
 * stale and duplicate callbacks change nothing (wecom.md §4, §5); deadlines chase the group
 * proactively through its webhook robot (domain.md "Notification and escalation ladder").
 */
import { buildTextCallback } from '../../src/bot/adapters/wecom/callback-builder.js';
import { TestClock } from '../helpers/app.js';
import type { FakeRecord } from '../fakes/wecom/FakeWeComServer.js';
import {
  RELIEF_CHAT,
  RELIEF_WEBHOOK_KEY,
  startWeComE2E,
  WallClock,
  wecomConfig,
  type WeComE2E,
} from './support/wecom-app.js';

type Webhook = Extract<FakeRecord, { kind: 'webhook' }>;
type ResponseUrlPost = Extract<FakeRecord, { kind: 'response_url' }>;
const nowSec = () => Math.floor(Date.now() / 1000);

describe('group commands and card clicks through the encrypted AI-bot callback', () => {
  let w: WeComE2E;
  // 2026-11-29 10:00 in Asia/Shanghai (02:00 UTC): ids are YQ-20261129-NNN.
  const clock = new TestClock(new Date('2026-11-29T02:00:00Z'));
  const ID = 'YQ-20261129-001';
  const incidentCount = async () => (await w.app.incidents.list({ kind: 'system' }, {})).length;
  const seenEvent = async (eventId: string) =>
    (
      await w.app.store.pool.query('SELECT 1 FROM processed_events WHERE platform = $1 AND event_id = $2', [
        'wecom',
        eventId,
      ])
    ).rowCount;
  /** The late text reply a click's response_url received (clicks are answered passively only by a card update). */
  const lateReply = async (responseCode: string | undefined): Promise<string> => {
    const r = (await w.fake.waitFor((x) => x.kind === 'response_url' && x.code === responseCode)) as ResponseUrlPost;
    expect(r.errcode).toBe(0);
    return (r.body as { markdown: { content: string } }).markdown.content;
  };

  beforeAll(async () => {
    w = await startWeComE2E({ clock });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('URL verification GET answers the decrypted echostr as plain text [100719, 101033]', async () => {
    const res = await w.client.verifyUrl('1288432023552776189');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain/);
    expect(res.body).toBe('1288432023552776189');
  });

  test('@舆情助手 /上报 in a bound group opens an incident: encrypted stream_with_template_card @-mentioning both responsible people, ledger in PostgreSQL (domain.md "What this means for the bot") [101031]', async () => {
    const ex = await w.client.sendText({
      chatId: RELIEF_CHAT,
      userId: 'ChenJing',
      text: '@舆情助手 /上报 某论坛出现“低保审核不公”的帖子，转发较快 https://bbs.example.cn/t/123 三级',
    });
    expect(ex.status).toBe(200);
    expect(ex.rawBody).not.toContain('YQ-');
    const reply = ex.reply as { msgtype: string; stream: { content: string; finish: boolean }; template_card: unknown };
    expect(reply.msgtype).toBe('stream_with_template_card');
    expect(reply.stream.finish).toBe(true);
    expect(reply.stream.content).toContain(ID);
    expect(reply.stream.content).toContain('<@LiuYang>');
    expect(reply.stream.content).toContain('<@WuFang>');
    expect(reply.template_card).toMatchObject({
      card_type: 'button_interaction',
      task_id: `ack-${ID}`,
      button_list: [{ text: '签收', key: `ack:${ID}`, style: 1 }],
    });

    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.incident).toMatchObject({
      unitId: 'relief',
      chatId: 'relief',
      reporterId: 'chenjing',
      proposedLevel: 'III',
      sourceUrl: 'https://bbs.example.cn/t/123',
      status: 'reported',
    });
    expect(view.ledger.map((e) => e.kind)).toEqual(expect.arrayContaining(['incident.opened', 'message.queued']));
    expect(view.ledger.find((e) => e.kind === 'message.queued')!.payload).toMatchObject({
      chatId: 'relief',
      mentions: ['liuyang', 'wufang'],
    });
    expect(await seenEvent(ex.plaintext!.msgid as string)).toBe(1);
  });

  test('a 签收 click by a userid that is not responsible changes nothing: no card update, a Chinese refusal via response_url [101031, 101138]', async () => {
    const before = (await w.app.incidents.view({ kind: 'system' }, ID)).ledger.length;
    const colleague = await w.client.clickCard({
      chatId: RELIEF_CHAT,
      userId: 'XuTing',
      taskId: `ack-${ID}`,
      eventKey: `ack:${ID}`,
    });
    expect(colleague.status).toBe(200);
    expect(colleague.rawBody).toBe('');
    expect(await lateReply(colleague.responseCode)).toContain(`不是 ${ID} 的责任人`);

    const stranger = await w.client.clickCard({
      chatId: RELIEF_CHAT,
      userId: 'Stranger01',
      taskId: `ack-${ID}`,
      eventKey: `ack:${ID}`,
    });
    expect(stranger.rawBody).toBe('');
    expect(await lateReply(stranger.responseCode)).toContain('签收无效');

    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.acknowledgements).toEqual([]);
    expect(view.ledger).toHaveLength(before);
  });

  test('a click whose key names another incident than its card (task_id) is refused and changes nothing', async () => {
    const forged = await w.client.clickCard({
      chatId: RELIEF_CHAT,
      userId: 'LiuYang',
      taskId: 'ack-YQ-20261129-999',
      eventKey: `ack:${ID}`,
    });
    expect(forged.rawBody).toBe('');
    expect(await lateReply(forged.responseCode)).toContain('该按钮与卡片不符');
    expect((await w.app.incidents.view({ kind: 'system' }, ID)).acknowledgements).toEqual([]);
  });

  test('a 签收 click by LiuYang acknowledges for 刘洋 in the database and is answered by update_template_card [101031]', async () => {
    const ex = await w.client.clickCard({
      chatId: RELIEF_CHAT,
      userId: 'LiuYang',
      taskId: `ack-${ID}`,
      eventKey: `ack:${ID}`,
    });
    expect(ex.status).toBe(200);
    const reply = ex.reply as {
      response_type: string;
      template_card: { task_id: string; horizontal_content_list: unknown[]; button_list: unknown[] };
    };
    expect(reply.response_type).toBe('update_template_card');
    expect(reply.template_card.task_id).toBe(`ack-${ID}`);
    expect(reply.template_card.horizontal_content_list).toEqual(
      expect.arrayContaining([
        { keyname: '第一责任人 刘洋', value: '已签收 11-29 10:00' },
        { keyname: '直接责任人 吴芳', value: '待签收' },
      ]),
    );
    expect(reply.template_card.button_list).toEqual([{ text: '签收', key: `ack:${ID}`, style: 1 }]);
    expect(await lateReply(ex.responseCode)).toContain(`刘洋 已签收 ${ID}`);

    const view = await w.app.incidents.view({ kind: 'system' }, ID);
    expect(view.acknowledgements.map((a) => [a.personId, a.at.toISOString()])).toEqual([
      ['liuyang', '2026-11-29T02:00:00.000Z'],
    ]);
    expect(view.ledger.filter((e) => e.kind === 'incident.acknowledged').map((e) => e.actor)).toEqual(['liuyang']);
  });

  test('a group not bound in config is told how an admin binds it, naming its chatid, and nothing is opened (domain.md "Who takes part": a chat belongs to a unit)', async () => {
    const before = await incidentCount();
    const ex = await w.client.sendText({ chatId: 'wrUnbound999', userId: 'ChenJing', text: '@舆情助手 /上报 某帖子' });
    expect(ex.status).toBe(200);
    const reply = ex.reply as { msgtype: string; stream: { content: string } };
    expect(reply.msgtype).toBe('stream');
    expect(reply.stream.content).toContain('本群尚未绑定');
    expect(reply.stream.content).toContain('wecomChatId: "wrUnbound999"');
    expect(reply.stream.content).toContain('管理员');
    expect(await incidentCount()).toBe(before);
  });

  test('a forged msg_signature is 401 and leaves nothing in the database, not even the dedupe mark (wecom.md §4) [91144]', async () => {
    const before = await incidentCount();
    const plaintext = buildTextCallback({
      chatId: RELIEF_CHAT,
      userId: 'ChenJing',
      text: '@舆情助手 /上报 伪造的上报',
      msgid: 'e2e-forged-1',
      createTime: nowSec(),
    });
    const sealed = w.client.seal(plaintext);
    const res = await w.client.postRaw({ ...sealed.query, msg_signature: 'f'.repeat(40) }, JSON.stringify(sealed.body));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.rawBody)).toMatchObject({ error: 'SIGNATURE' });
    expect(await incidentCount()).toBe(before);
    expect(await seenEvent('e2e-forged-1')).toBe(0);
  });

  test('a stale timestamp is 401 and opens nothing (replay window, wecom.md §5)', async () => {
    const before = await incidentCount();
    const ex = await w.client.sendText(
      { chatId: RELIEF_CHAT, userId: 'ChenJing', text: '@舆情助手 /上报 过期的回调', msgid: 'e2e-stale-1' },
      { timestamp: nowSec() - 3600 },
    );
    expect(ex.status).toBe(401);
    expect(JSON.parse(ex.rawBody)).toMatchObject({ error: 'STALE' });
    expect(await incidentCount()).toBe(before);
    expect(await seenEvent('e2e-stale-1')).toBe(0);
  });

  test('a duplicate msgid (WeCom retry) is handled once: one incident, the second delivery answered 200 empty (wecom.md §5)', async () => {
    const before = await incidentCount();
    const send = () =>
      w.client.sendText({
        chatId: RELIEF_CHAT,
        userId: 'ChenJing',
        text: '@舆情助手 /上报 重复投递的帖子',
        msgid: 'e2e-dup-1',
      });
    const both = await Promise.all([send(), send()]);
    expect(both.map((e) => e.status)).toEqual([200, 200]);
    const answered = both.filter((e) => e.rawBody !== '');
    expect(answered).toHaveLength(1);
    expect((answered[0].reply as { stream: { content: string } }).stream.content).toContain('YQ-20261129-002');
    const again = await send();
    expect(again.rawBody).toBe('');
    expect(await incidentCount()).toBe(before + 1);
    expect(
      (await w.app.incidents.list({ kind: 'system' }, {})).filter((i) => i.description === '重复投递的帖子'),
    ).toHaveLength(1);
  });
});

describe('proactive chases reach the group through its webhook robot [91770]', () => {
  let w: WeComE2E;
  beforeAll(async () => {
    // Drill speed: 5 minutes of ack limit play in 600 ms; the clock follows the wall clock so Agenda fires for real.
    const config = wecomConfig((c) => {
      const ack = c.milestones.find((m) => m.key === 'ack')!;
      ack.limitMinutes = 5;
      ack.perLevel = {};
    });
    w = await startWeComE2E({ settings: { TIME_SCALE: '0.002' }, config, clock: new WallClock() });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('an unacknowledged incident gets a 【提醒】/【超时】 markdown with <@userid> mentions in its group, and the ledger records it (domain.md "Time limits", "chase the person who owes the next step")', async () => {
    const ex = await w.client.sendText({
      chatId: RELIEF_CHAT,
      userId: 'ChenJing',
      text: '@舆情助手 /上报 无人签收的帖子',
    });
    const id = /YQ-\d{8}-\d{3}/.exec((ex.reply as { stream: { content: string } }).stream.content)![0];

    const chase = (await w.fake.waitFor(
      (r) =>
        r.kind === 'webhook' &&
        r.key === RELIEF_WEBHOOK_KEY &&
        r.errcode === 0 &&
        /【提醒】|【超时】/.test(JSON.stringify(r.body)) &&
        JSON.stringify(r.body).includes(id),
      15_000,
    )) as Webhook;
    const body = chase.body as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toMatch(/^【(提醒|超时)】/);
    expect(body.markdown.content).toContain(`/签收 ${id}`);
    expect(body.markdown.content).toMatch(/<@(LiuYang|WuFang)>/);

    const kinds = (await w.app.incidents.view({ kind: 'system' }, id)).ledger.map((e) => e.kind);
    expect(kinds.some((k) => k === 'milestone.reminded' || k === 'milestone.breached')).toBe(true);
  });
});
