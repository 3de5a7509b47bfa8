/**
 * Approvals through the WeCom AI-bot callback (issue 8 item 3/4 on WeCom; the same card mechanism
 * as 签收 [101031, 101138]): /拟稿 in the incident's group answers with a clickable
 * button_interaction card (通过/驳回); a non-approver's click changes nothing and is told why
 * through response_url; an approver's click decides and the card is updated passively.
 */
import { TestClock } from '../helpers/app.js';
import type { FakeRecord } from '../fakes/wecom/FakeWeComServer.js';
import { RELIEF_CHAT, startWeComE2E, type WeComE2E } from './support/wecom-app.js';

type ResponseUrlPost = Extract<FakeRecord, { kind: 'response_url' }>;

describe('approving a statement by card button on WeCom', () => {
  let w: WeComE2E;
  const clock = new TestClock(new Date('2026-11-29T02:00:00Z'));
  const ID = 'YQ-20261129-001';
  const lateReply = async (code: string | undefined): Promise<string> => {
    const r = (await w.fake.waitFor((x) => x.kind === 'response_url' && x.code === code)) as ResponseUrlPost;
    return (r.body as { markdown: { content: string } }).markdown.content;
  };

  beforeAll(async () => {
    w = await startWeComE2E({ clock });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('/拟稿 answers with the 通过/驳回 card; only a designated approver decides (000 L1, 004 篇二)', async () => {
    await w.client.sendText({ chatId: RELIEF_CHAT, userId: 'ChenJing', text: '@舆情助手 /上报 网传低保审核不公 三级' });
    const ex = await w.client.sendText({
      chatId: RELIEF_CHAT,
      userId: 'ZhangMin',
      text: `@舆情助手 /拟稿 ${ID} 关于低保审核问题的情况说明`,
    });
    const reply = ex.reply as { stream: { content: string }; template_card: unknown };
    expect(reply.stream.content).toContain('【待审批】');
    expect(reply.stream.content).toContain('<@LiuYang>');
    expect(reply.template_card).toMatchObject({
      task_id: `apv-${ID}-statement-1`,
      button_list: [
        { text: '通过', key: `apv:${ID}:statement:1:approve`, style: 1 },
        { text: '驳回', key: `apv:${ID}:statement:1:reject`, style: 3 },
      ],
    });

    const stranger = await w.client.clickCard({
      chatId: RELIEF_CHAT,
      userId: 'XuTing',
      taskId: `apv-${ID}-statement-1`,
      eventKey: `apv:${ID}:statement:1:approve`,
    });
    expect(stranger.rawBody).toBe('');
    expect(await lateReply(stranger.responseCode)).toContain('审批人（任一）：刘洋、王建国、李华');
    expect((await w.app.approvals.versions(ID))[0].state).toBe('pending');

    const ok = await w.client.clickCard({
      chatId: RELIEF_CHAT,
      userId: 'LiuYang',
      taskId: `apv-${ID}-statement-1`,
      eventKey: `apv:${ID}:statement:1:approve`,
    });
    const update = ok.reply as { response_type: string; template_card: { main_title: { title: string } } };
    expect(update.response_type).toBe('update_template_card');
    expect(update.template_card.main_title.title).toContain('已通过');
    expect((await w.app.approvals.versions(ID))[0]).toMatchObject({ state: 'approved', decidedBy: 'liuyang' });
  });
});
