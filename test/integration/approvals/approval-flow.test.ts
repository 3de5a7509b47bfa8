/**
 * Issue 8 "Done means", end to end on the sandbox (real HTTP, PostgreSQL, Agenda): a draft reaches
 * the approvers as a card (group and 1:1); a non-approver's click changes nothing; a reject returns
 * it to the author with the reason; a new version is approved and every copy of its card updates;
 * publishing before approval is refused with the reason and after it succeeds with the text hash in
 * the ledger (000 L1 "敏感信息需经审批后方可发布"); approvers are alternatives, any one suffices
 * (004 篇二); I–II need the upper authority's sign-off recorded by the office (004 篇二).
 */
import { createHash } from 'node:crypto';
import { SYSTEM_VIEWER } from '../../../src/domain/visibility.js';
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { outboxDelivered, say as post } from '../../helpers/chat.js';

let app: TestApp;
// 2026-11-29 10:00 in Asia/Shanghai
const clock = TestClock.frozen(new Date('2026-11-29T02:00:00Z'));
const V1 = '关于网民反映低保审核问题的情况说明：经核查，该户已于11月纳入低保。';
const V2 = '关于网民反映低保审核问题的情况说明：经核查，该户已于11月20日纳入低保，相关工作人员已约谈。';
const V3 = '关于网民反映低保审核问题的情况说明：经县民政局核查，该户已于11月20日纳入低保，相关工作人员已约谈。';

beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(async () => {
  await app.stop();
});

const ID = 'YQ-20261129-001';
const card = (v: number) => `apv-${ID}-statement-${v}`;
const key = (v: number, what: 'approve' | 'reject') => `apv:${ID}:statement:${v}:${what}`;
const copies = (v: number) =>
  ['relief', '@liuyang', '@wangjg', '@lihua'].map((c) => app.sandbox!.messages(c).find((m) => m.card?.id === card(v)));
const ledger = async (kind: string) =>
  (await app.incidents.view(SYSTEM_VIEWER, ID)).ledger.filter((e) => e.kind === kind);

/**
 * Posts through the sandbox and waits until the outbox has delivered what the command queued for
 * the incident (the 1:1 copies, other chats: the worker sends them after the command's commit).
 */
async function say(...args: Parameters<typeof post>): ReturnType<typeof post> {
  const answers = await post(...args);
  await outboxDelivered(app, ID);
  return answers;
}

/** Posts as `userId` and returns the text of every bot message that followed (chases may interleave). */
async function sayText(chat: string, userId: string, text: string): Promise<string> {
  return (await say(app, chat, userId, text)).map((m) => m.text).join('\n---\n');
}

/** Clicks a copy and returns the text of the bot messages that followed. */
async function clickText(conversation: string, cardId: string, userId: string, k: string): Promise<string> {
  return (await clickCopy(conversation, cardId, userId, k))
    .filter((m) => m.from === 'bot')
    .map((m) => m.text)
    .join('\n---\n');
}

/** Clicks one particular copy of a card (the group's or someone's 1:1 copy). */
async function clickCopy(conversation: string, cardId: string, userId: string, k: string) {
  const copy = app.sandbox!.messages(conversation).find((m) => m.card?.id === cardId)!;
  const before = app.sandbox!.messages(conversation).length;
  const res = await app.post(`/api/sandbox/cards/${encodeURIComponent(cardId)}/actions`, {
    userId,
    key: k,
    messageId: copy.id,
  });
  expect(res.status).toBe(202);
  await app.sandbox!.idle();
  await outboxDelivered(app, ID);
  return app.sandbox!.messages(conversation).slice(before);
}

test('publishing with no statement is refused with the reason (000 L1)', async () => {
  await say(app, 'relief', 'chenjing', '/上报 某论坛出现“低保审核不公”的帖子 https://bbs.example.cn/t/123 三级');
  const r = await sayText('relief', 'zhangmin', `/发布 ${ID} https://weibo.example.cn/s/1`);
  expect(r).toContain('还没有通稿/口径，不能发布');
  const noLink = await sayText('relief', 'zhangmin', `/发布 ${ID} 已发布`);
  expect(noLink).toContain('请附上发布的链接');
  expect((await app.incidents.view(SYSTEM_VIEWER, ID)).incident.status).toBe('reported');
});

test('/拟稿 posts a card with 通过/驳回 to the chat and 1:1 to each approver, with level, author and deadline', async () => {
  const replies = await say(app, 'relief', 'zhangmin', `/拟稿 ${ID} ${V1}`);
  const notice = replies.find((m) => m.card?.id === card(1))!;
  expect(notice.text).toContain('【待审批】');
  expect(notice.mentions.sort()).toEqual(['lihua', 'liuyang', 'wangjg']); // 004 篇二: alternatives
  expect(notice.card!.buttons.map((b) => b.text)).toEqual(['通过', '驳回']);
  expect(notice.card!.description).toBe(V1);
  expect(notice.card!.fields).toEqual(
    expect.arrayContaining([
      { label: '级别', value: '一般（III）·待确认' },
      { label: '起草人', value: '张敏 11-29 10:00' },
      { label: '审批人（任一）', value: '刘洋、王建国、李华' },
      { label: '审批时限', value: '11-29 12:00 前' }, // statement_approval: 2 hours at III
    ]),
  );
  expect(replies.some((m) => m.text.includes('已提交') && m.text.includes('第1版'))).toBe(true);
  for (const c of copies(1)) expect(c?.card?.buttons).toHaveLength(2);
  const [sub] = await ledger('approval.submitted');
  expect(sub.payload).toMatchObject({
    kind: 'statement',
    version: 1,
    text: V1,
    approvers: ['liuyang', 'wangjg', 'lihua'],
  });
  const ms = (await app.incidents.view(SYSTEM_VIEWER, ID)).milestones.find((m) => m.key === 'statement_approval:v1')!;
  expect([ms.state, ms.ownerIds]).toEqual(['open', ['liuyang', 'wangjg', 'lihua']]);
});

test('/列表 待审批 lists the pending version with its age; publishing while pending is refused', async () => {
  clock.advance(25 * 60_000);
  const list = await sayText('relief', 'chenjing', '/列表 待审批');
  expect(list).toContain(`${ID}｜通稿/口径 第1版｜张敏 提交，已等 25 分钟`);
  const r = await sayText('relief', 'zhangmin', `/发布 ${ID} https://weibo.example.cn/s/1`);
  expect(r).toContain('第1版尚待审批');
});

test("a non-approver's click changes nothing and says why", async () => {
  const r = await clickText('relief', card(1), 'xuting', key(1, 'approve'));
  expect(r).toContain('不是');
  expect(r).toContain('审批人（任一）：刘洋、王建国、李华');
  expect((await app.approvals.versions(ID))[0].state).toBe('pending');
  expect(await ledger('approval.approved')).toEqual([]);
  expect(copies(1)[0]!.card!.buttons).toHaveLength(2);
});

test('a click without messageId (the README form) lands on a copy the clicker can see, not the latest 1:1 copy of someone else', async () => {
  const before = app.sandbox!.messages('@liuyang').length;
  const res = await app.post(`/api/sandbox/cards/${encodeURIComponent(card(1))}/actions`, {
    userId: 'liuyang',
    key: key(1, 'reject'),
  });
  expect(res.status).toBe(202); // was 403: 私信会话只能以 李华 本人身份发言 (李华's 1:1 copy came last)
  await app.sandbox!.idle();
  // his own 1:1 copy is the latest he can see: the answer (驳回 asks for the reason) is there
  const answer = app
    .sandbox!.messages('@liuyang')
    .slice(before)
    .find((m) => m.from === 'bot');
  expect(answer?.text).toContain(`/驳回 ${ID} 稿件 <理由>`);
  expect((await app.approvals.versions(ID))[0].state).toBe('pending');
});

test('驳回 asks for a reason; /驳回 returns the draft to its author with the comment, @-mentioning them', async () => {
  const ask = await clickText('relief', card(1), 'liuyang', key(1, 'reject'));
  expect(ask).toContain(`/驳回 ${ID} 稿件 <理由>`);
  expect((await app.approvals.versions(ID))[0].state).toBe('pending');
  const replies = await say(app, 'relief', 'liuyang', `/驳回 ${ID} 纳入时间要写具体日期`);
  const back = replies.find((m) => m.text.includes('【已驳回】'))!;
  expect(back.text).toContain('理由：纳入时间要写具体日期');
  expect(back.mentions).toEqual(['zhangmin']);
  expect(app.sandbox!.messages('@zhangmin').some((m) => m.text.includes('纳入时间要写具体日期'))).toBe(true);
  for (const c of copies(1)) {
    expect(c!.card!.buttons).toEqual([]);
    expect(c!.card!.title).toContain('已驳回');
  }
  const [rej] = await ledger('approval.rejected');
  expect(rej.payload).toMatchObject({ version: 1, reason: '纳入时间要写具体日期', author: 'zhangmin' });
  expect(rej.actor).toBe('liuyang');
  const r = await sayText('relief', 'zhangmin', `/发布 ${ID} https://weibo.example.cn/s/1`);
  expect(r).toContain('已被驳回');
  // the decision met the version's approval milestone
  expect(
    (await app.incidents.view(SYSTEM_VIEWER, ID)).milestones.find((m) => m.key === 'statement_approval:v1')!.state,
  ).toBe('met');
});

test('a new version supersedes a pending one; a decision on the superseded version does nothing and says so', async () => {
  await say(app, 'relief', 'zhangmin', `/拟稿 ${ID} ${V2}`);
  await say(app, 'relief', 'zhangmin', `/draft ${ID} ${V3}`);
  const vs = await app.approvals.versions(ID);
  expect(vs.map((v) => [v.version, v.state])).toEqual([
    [1, 'rejected'],
    [2, 'superseded'],
    [3, 'pending'],
  ]);
  for (const c of copies(2)) expect(c!.card!.buttons).toEqual([]);
  const r = await app.approvals.decide(
    { id: 'wangjg', personId: 'wangjg', name: '王建国' },
    ID,
    'statement',
    2,
    'approved',
    '',
  );
  expect(r.outcome).toBe('superseded');
  expect((await app.approvals.versions(ID))[1].state).toBe('superseded');
  const keys = (await app.incidents.view(SYSTEM_VIEWER, ID)).milestones.map((m) => `${m.key}:${m.state}`);
  expect(keys).toEqual(expect.arrayContaining(['statement_approval:v1:met', 'statement_approval:v3:open']));
  expect(keys.some((k) => k.startsWith('statement_approval:v2'))).toBe(false);
});

test('/查看 lists the versions; /查看 … 稿件 3 shows the full text and its diff against version 2', async () => {
  const view = await sayText('relief', 'chenjing', `/查看 ${ID}`);
  expect(view).toContain('通稿/口径 第1版｜张敏');
  expect(view).toContain('已驳回（刘洋');
  expect(view).toContain('第2版｜张敏 11-29 10:25｜已被新版本取代');
  const v3 = await sayText('relief', 'chenjing', `/查看 ${ID} 稿件 3`);
  expect(v3).toContain(V3);
  expect(v3).toContain('与第2版相比');
  expect(v3).toContain('【+县民政局】');
  const bad = await sayText('relief', 'chenjing', `/查看 ${ID} 稿件 9`);
  expect(bad).toContain('没有第9版');
});

test('an approver clicks 通过 on their 1:1 copy: every copy shows outcome, who and when, buttons gone', async () => {
  clock.advance(5 * 60_000);
  await clickCopy('@wangjg', card(3), 'wangjg', key(3, 'approve'));
  for (const c of copies(3)) {
    expect(c!.card!.buttons).toEqual([]);
    expect(c!.card!.title).toContain('已通过');
    expect(c!.card!.fields).toEqual(expect.arrayContaining([{ label: '审批通过', value: '王建国 11-29 10:30' }]));
  }
  expect(
    app.sandbox!.messages('relief').some((m) => m.text.includes('【已通过】') && m.mentions.includes('zhangmin')),
  ).toBe(true);
  // a later decision by another approver is told who was first
  const late = await sayText('relief', 'liuyang', `/通过 ${ID}`);
  expect(late).toContain('已由 王建国 于 11-29 10:30 通过，以先作出的决定为准');
  expect((await app.approvals.versions(ID))[2]).toMatchObject({ state: 'approved', decidedBy: 'wangjg' });
});

test('after approval publishing succeeds and the ledger holds the time, the link and the SHA-256 of the approved text', async () => {
  const r = await sayText('relief', 'zhangmin', `/发布 ${ID} https://weibo.example.cn/s/1 官方微博`);
  expect(r).toContain('已登记公开回应');
  const [pub] = await ledger('incident.published');
  expect(pub.payload).toMatchObject({
    link: 'https://weibo.example.cn/s/1',
    version: 3,
    sha256: createHash('sha256').update(V3, 'utf8').digest('hex'),
    approvedBy: 'wangjg',
  });
  expect(pub.at.toISOString()).toBe('2026-11-29T02:30:00.000Z');
  expect((await app.incidents.view(SYSTEM_VIEWER, ID)).incident.status).toBe('responded');
  const list = await sayText('relief', 'chenjing', '/列表 待审批');
  expect(list).toContain('当前没有');
});

test('an edit after approval needs a new approval before the next publication', async () => {
  await say(app, 'relief', 'zhangmin', `/拟稿 ${ID} ${V3}（更新：已完成复核）`);
  const r = await sayText('relief', 'zhangmin', `/发布 ${ID} https://weibo.example.cn/s/2`);
  expect(r).toContain('第4版尚待审批');
  // the approval milestone is met by a decision, never by hand
  const done = await sayText('relief', 'chenjing', `/完成 ${ID} 稿件待审批`);
  expect(done).toContain('不能用 /完成 代为标记');
  expect(
    (await app.incidents.view(SYSTEM_VIEWER, ID)).milestones.find((m) => m.key === 'statement_approval:v4')!.state,
  ).toBe('open');
});

test('an approver can never approve their own draft', async () => {
  // 李华 (deputy) drafts the plan: the approvers are the other alternatives
  const replies = await say(app, 'relief', 'lihua', `/方案 ${ID} 1. 核实事实 2. 发布情况说明 3. 跟踪引导`);
  const planCard = replies.find((m) => m.card?.id === `apv-${ID}-plan-1`)!;
  expect(planCard.mentions.sort()).toEqual(['liuyang', 'wangjg']);
  const own = await clickText('relief', `apv-${ID}-plan-1`, 'lihua', `apv:${ID}:plan:1:approve`);
  expect(own).toContain('起草人，不能审批自己起草的稿件');
  // an approved plan meets the handling-plan milestone (metBy: plan)
  await say(app, 'relief', 'liuyang', `/通过 ${ID} 方案`);
  const ms = (await app.incidents.view(SYSTEM_VIEWER, ID)).milestones;
  expect(ms.find((m) => m.key === 'handling_plan')!.state).toBe('met');
  expect(ms.find((m) => m.key === 'plan_approval:v1')!.state).toBe('met');
});

test('levels I–II need the upper authority sign-off, recorded by the office with /外部确认 (004 篇二)', async () => {
  const opened = await sayText('relief', 'chenjing', '/上报 省级媒体报道低保户被冒领 二级');
  const id = /YQ-\d{8}-\d{3}/.exec(opened)![0];
  const replies = await say(app, 'relief', 'zhangmin', `/拟稿 ${id} 情况说明：已立案调查。`);
  expect(replies.find((m) => m.card)!.mentions.sort()).toEqual(['lihua', 'wangjg']);
  await say(app, 'relief', 'lihua', `/通过 ${id}`);
  const refused = await sayText('relief', 'zhangmin', `/发布 ${id} https://weibo.example.cn/s/9`);
  expect(refused).toContain('发布前还需：外部确认（县委网信办）');
  const no = await sayText('relief', 'xuting', `/外部确认 ${id} 县委网信办 同意`);
  expect(no).toContain('由领导小组办公室登记');
  const ok = await sayText('relief', 'chenjing', `/外部确认 ${id} 县委网信办 同意按此口径发布`);
  expect(ok).toContain('已登记');
  const pub = await sayText('relief', 'zhangmin', `/发布 ${id} https://weibo.example.cn/s/9`);
  expect(pub).toContain('已登记公开回应');
  const v = await app.incidents.view(SYSTEM_VIEWER, id);
  expect(v.ledger.find((e) => e.kind === 'approval.signed_off')!.payload).toMatchObject({
    type: 'external',
    body: '县委网信办',
    opinion: '同意按此口径发布',
  });
  expect(v.ledger.find((e) => e.kind === 'approval.signed_off')!.actor).toBe('chenjing');
  expect(v.ledger.find((e) => e.kind === 'incident.published')!.payload.signOffs).toHaveLength(1);
});

test('two approvers deciding at once on real PostgreSQL give one decision; the other is told who was first', async () => {
  for (let round = 0; round < 4; round++) {
    const opened = await sayText('relief', 'chenjing', `/上报 并发审批测试 ${round} 三级`);
    // the open notice's number (chase notices about the earlier incident may come first)
    const id = /【舆情上报】\*{0,2}(YQ-\d{8}-\d{3,})/.exec(opened)![1];
    await say(app, 'relief', 'zhangmin', `/拟稿 ${id} 第${round}稿`);
    const [a, b] = await Promise.all([
      app.approvals.decide({ id: 'wangjg', personId: 'wangjg', name: '王建国' }, id, 'statement', 1, 'approved', ''),
      app.approvals.decide(
        { id: 'liuyang', personId: 'liuyang', name: '刘洋' },
        id,
        'statement',
        1,
        'rejected',
        '不同意',
      ),
    ]);
    expect([a.outcome, b.outcome].sort()).toEqual(['already', 'decided']);
    const winner = a.outcome === 'decided' ? a : b;
    const loser = a.outcome === 'decided' ? b : a;
    expect(loser.version.decidedBy).toBe(winner.version.decidedBy);
    const ledgerKinds = (await app.incidents.view(SYSTEM_VIEWER, id)).ledger.map((e) => e.kind);
    expect(ledgerKinds.filter((k) => k === 'approval.approved' || k === 'approval.rejected')).toHaveLength(1);
  }
});
