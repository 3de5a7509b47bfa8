import { toPlatformMessage } from '../../../src/bot/outbound.js';

const people = {
  platformUserId: (platform: string, pid: string) =>
    platform === 'wecom' ? ({ liuyang: 'LiuYang', wangjg: 'WangJianGuo' } as Record<string, string>)[pid] : pid,
  nameOf: (pid: string) =>
    (({ liuyang: '刘洋', wangjg: '王建国', nobody: 'nobody' }) as Record<string, string>)[pid] ?? pid,
};

describe('person-level messages to platform messages', () => {
  test('mentions become the platform user id (wecom.md §6: markdown needs <@userid>)', () => {
    expect(toPlatformMessage('wecom', { text: '请 @{liuyang} 签收', mentions: ['liuyang'] }, people)).toEqual({
      text: '请 @{LiuYang} 签收',
      mentions: ['LiuYang'],
    });
  });
  test('someone not bound on the platform is named in plain text', () => {
    expect(toPlatformMessage('wecom', { text: '请 @{nobody} 签收', mentions: ['nobody'] }, people)).toEqual({
      text: '请 @nobody 签收',
      mentions: [],
    });
  });
  test('a token typed by a user (not in mentions) is defused and never @-mentions anyone', () => {
    const out = toPlatformMessage('wecom', { text: '内容：@{wangjg} 快看', mentions: ['liuyang'] }, people);
    expect(out.text).toBe('内容：@｛wangjg｝ 快看');
    expect(out.mentions).toEqual(['LiuYang']);
  });
});

describe('WeCom markdown mentions', () => {
  test('a literal <@userid> typed by a user is defused; only tokens become mentions (wecom.md §6)', async () => {
    const { renderMentions } = await import('../../../src/bot/adapters/wecom/render-markdown.js');
    expect(renderMentions('内容：<@WangJianGuo> 请 @{LiuYang} 签收', ['LiuYang'])).toBe(
      '内容：<＠WangJianGuo> 请 <@LiuYang> 签收',
    );
  });
});
