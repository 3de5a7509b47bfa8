/**
 * Which incidents a chat sees, the same for every command (issue 7 item 1, issue 10 item 2), and
 * short ids (issue 10 item 1): `002`, `2`, `-002` mean today's incident number in this chat's scope.
 * Rule: domain/visibility.ts (domain.md "A group chat belongs to a unit, so an incident reported
 * there gets that unit's people unless the reporter names another unit"; confidentiality 002 / 004).
 */
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { say } from '../../helpers/chat.js';

let app: TestApp;
// 2026-11-29 10:00 Asia/Shanghai: ids of the day are YQ-20261129-NNN
const clock = TestClock.frozen(new Date('2026-11-29T02:00:00Z'));
const idOf = (text: string) => /YQ-\d{8}-\d{3}/.exec(text)![0];

beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(async () => {
  await app.stop();
});

describe('one rule decides what a chat sees (issue 10 item 2)', () => {
  let elderId: string;
  let reliefId: string;
  beforeAll(async () => {
    // reported from 社会救助股工作群 for 养老服务中心: the eldercare unit's incident
    elderId = idOf((await say(app, 'relief', 'xuting', '/上报 网传养老院护工打人视频 #养老服务中心'))[0].text);
    reliefId = idOf((await say(app, 'relief', 'chenjing', '/上报 救助股的帖子'))[0].text);
  });

  test('in 养老服务中心工作群, /列表, /查看 and /签收 without an id all find the eldercare incident reported elsewhere', async () => {
    const [list] = await say(app, 'eldercare', 'zhaolei', '/列表');
    expect(list.text).toContain(elderId);
    expect(list.text).not.toContain(reliefId);
    const [show] = await say(app, 'eldercare', 'zhaolei', '/查看');
    expect(show.text).toContain(elderId);
    expect(show.text).not.toContain('不存在');
    const [ack] = await say(app, 'eldercare', 'zhaolei', '/签收');
    expect(ack.text).toBe(`赵磊 已签收 ${elderId}。`);
    const [byId] = await say(app, 'eldercare', 'sunli', `/签收 ${elderId}`);
    expect(byId.text).toContain(`孙丽 已签收 ${elderId}`);
  });

  test('the chat it was reported in still sees it (it was posted there)', async () => {
    const [show] = await say(app, 'relief', 'liuyang', `/查看 ${elderId}`);
    expect(show.text).toContain(elderId);
    const [list] = await say(app, 'relief', 'liuyang', '/列表');
    expect(list.text).toContain(elderId);
    expect(list.text).toContain(reliefId);
  });

  test('in a group chat the chat decides, not the asker: the reporter of a relief incident cannot open it in the eldercare chat, where everyone reads the answer', async () => {
    // 陈静 reported reliefId; before the one policy she could /查看 it in 养老服务中心工作群
    const [show] = await say(app, 'eldercare', 'chenjing', `/查看 ${reliefId}`);
    expect(show.text).toContain(`找不到事件 ${reliefId}`);
    const [list] = await say(app, 'eldercare', 'chenjing', '/列表 全部');
    expect(list.text).not.toContain(reliefId);
    // 1:1 she still sees what she reported
    const [dm] = await say(app, '@chenjing', 'chenjing', `/查看 ${reliefId}`);
    expect(dm.text).toContain(reliefId);
  });
});

describe('short ids: today’s number in this chat’s scope (issue 10 item 1)', () => {
  // relief chat now holds 001 (eldercare, reported here) and 002 (relief) of 20261129
  test('/查看 002, /查看 2 and /查看 -002 show YQ-20261129-002', async () => {
    for (const short of ['002', '2', '-002', '００２']) {
      const [r] = await say(app, 'relief', 'liuyang', `/查看 ${short}`);
      expect(r.text).toContain('YQ-20261129-002');
      expect(r.text).not.toContain('请写明编号');
    }
  });

  test('/分类 002 谣言, /定级 002 四级 and /进展 002 … act on today’s 002', async () => {
    const [c] = await say(app, 'relief', 'liuyang', '/分类 002 谣言');
    expect(c.text).toContain('YQ-20261129-002 类别已设为“捏造歪曲诽谤”');
    const [l] = await say(app, 'relief', 'liuyang', '/定级 002 四级');
    expect(l.text).toContain('YQ-20261129-002');
    const [u] = await say(app, 'relief', 'liuyang', '/update -002 已联系发帖人');
    expect(u.text).toBe('已登记 YQ-20261129-002 的进展。');
    const v = await app.incidents.view({ kind: 'system' }, 'YQ-20261129-002');
    expect(v.incident).toMatchObject({ category: 'fabrication', confirmedLevel: 'IV', status: 'handling' });
    expect(v.ledger.some((e) => e.kind === 'incident.note' && e.payload.text === '已联系发帖人')).toBe(true);
  });

  test('a short id outside this chat’s scope today is not found, even though the number exists', async () => {
    const [r] = await say(app, 'eldercare', 'zhaolei', '/查看 002');
    expect(r.text).toContain('在这里能查看的事件中，今天没有编号为 002 的'); // not 今天没有: 002 exists, in another unit
    expect(r.text).not.toContain('YQ-20261129-002');
  });

  test('an old short id is asked back with the full ids; /定级 2 alone still means level II', async () => {
    clock.advance(24 * 3600_000); // 2026-11-30: nothing reported today yet
    const [r] = await say(app, 'relief', 'liuyang', '/查看 001');
    expect(r.text).toContain('今天没有编号为 001 的');
    expect(r.text).toContain('YQ-20261129-001');
    const [p] = await say(app, 'relief', 'liuyang', '/进展 2 已回访');
    expect(p.text).toContain('YQ-20261129-002');
    expect(p.text).toContain('请写完整编号');
    // today's 001 in the eldercare chat: the short id finds it there
    const today = idOf((await say(app, 'eldercare', 'sunli', '/上报 养老中心今天的帖子'))[0].text);
    expect(today).toBe('YQ-20261130-001');
    // leaves today's as the chat's only open one (closing needs a category and 确认 for open deadlines: issue 10 item 15)
    await say(app, 'eldercare', 'zhaolei', '/分类 YQ-20261129-001 诉求');
    await say(app, 'eldercare', 'zhaolei', '/办结 YQ-20261129-001 已处置 确认');
    const [l] = await say(app, 'eldercare', 'zhaolei', '/定级 2');
    expect(l.text).toContain('YQ-20261130-001');
    expect((await app.incidents.view({ kind: 'system' }, today)).incident.confirmedLevel).toBe('II');
  });
});
