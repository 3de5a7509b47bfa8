/**
 * Mention rendering of the sandbox (bot/types.ts OutboundMessage: `@{userId}` tokens, mentions
 * without a token appended) and recognition of typed `@姓名` mentions.
 */
import { findTypedMentions, renderOutboundText } from '../../../../../src/bot/adapters/sandbox/render-mentions.js';

const names: Record<string, string> = { wangjg: '王建国', lihua: '李华', wang: '王建' };
const nameOf = (id: string) => names[id] ?? id;

describe('renderOutboundText (OutboundMessage `@{userId}` tokens)', () => {
  test('each token becomes @姓名 and its id is listed once, in order of appearance', () => {
    expect(renderOutboundText('请 @{lihua} 和 @{wangjg} 签收，@{lihua} 先处理', undefined, nameOf)).toEqual({
      text: '请 @李华 和 @王建国 签收，@李华 先处理',
      mentions: ['lihua', 'wangjg'],
    });
  });

  test('mentions without a token are appended as @姓名 after a space; ones with a token are not repeated', () => {
    expect(renderOutboundText('请 @{lihua} 签收', ['lihua', 'wangjg', 'wangjg'], nameOf)).toEqual({
      text: '请 @李华 签收 @王建国',
      mentions: ['lihua', 'wangjg'],
    });
  });

  test('appending after a trailing line break adds no extra space; an empty text becomes just the mentions', () => {
    expect(renderOutboundText('催办\n', ['wangjg'], nameOf).text).toBe('催办\n@王建国');
    expect(renderOutboundText('', ['wangjg', 'lihua'], nameOf)).toEqual({
      text: '@王建国 @李华',
      mentions: ['wangjg', 'lihua'],
    });
  });

  test('an unknown id still renders (as the id) so nothing is silently lost', () => {
    expect(renderOutboundText('@{ghost} 请注意', undefined, nameOf)).toEqual({
      text: '@ghost 请注意',
      mentions: ['ghost'],
    });
  });

  test('text without tokens or mentions is unchanged', () => {
    expect(renderOutboundText('**已签收** 2/2', [], nameOf)).toEqual({ text: '**已签收** 2/2', mentions: [] });
  });
});

describe('findTypedMentions', () => {
  const people = [
    { id: 'wang', name: '王建' },
    { id: 'wangjg', name: '王建国' },
    { id: 'lihua', name: '李华' },
  ];
  test('prefers the longest name at a position and keeps order of appearance', () => {
    expect(findTypedMentions('@李华 请转告 @王建国 和 @王建', people)).toEqual(['lihua', 'wangjg', 'wang']);
  });
  test('text without @姓名 mentions nobody', () => {
    expect(findTypedMentions('李华 王建国', people)).toEqual([]);
  });
});
