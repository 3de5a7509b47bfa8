import { parseCommand, parseIncidentId, stripLeadingMentions, tokenize } from '../../../src/bot/parser.js';

describe('command parser', () => {
  test('reads a slash command with its arguments', () => {
    expect(parseCommand('/上报 有人发帖 https://x.cn 三级')).toEqual({
      name: '上报',
      args: '有人发帖 https://x.cn 三级',
      tokens: ['有人发帖', 'https://x.cn', '三级'],
    });
  });
  test('accepts the full-width slash, full-width spaces and English aliases in any case', () => {
    expect(parseCommand('／签收\u3000YQ-20261129-001')).toMatchObject({ name: '签收', tokens: ['YQ-20261129-001'] });
    expect(parseCommand('/ACK')).toMatchObject({ name: 'ack', args: '' });
  });
  test('strips a leading @BotName as WeCom delivers group text (wecom.md §0) and DingTalk leading space', () => {
    expect(parseCommand('@舆情助手 /ack YQ-20261129-001')).toMatchObject({ name: 'ack', tokens: ['YQ-20261129-001'] });
    // a mention right before the slash, half- or full-width (found by a newcomer)
    expect(parseCommand('@舆情助手/列表')).toMatchObject({ name: '列表', tokens: [] });
    expect(parseCommand('＠舆情助手／查看 2')).toMatchObject({ name: '查看', tokens: ['2'] });
    expect(parseCommand(' /ack')).toMatchObject({ name: 'ack' });
    expect(stripLeadingMentions('@机器人 @张三 你好')).toBe('你好');
  });
  test('plain text and bad input are not commands and never throw', () => {
    expect(parseCommand('大家好')).toBeNull();
    expect(parseCommand('/')).toBeNull();
    expect(parseCommand('')).toBeNull();
    expect(parseCommand(undefined as unknown as string)).toBeNull();
    expect(parseCommand('//')).toBeNull();
  });
  test('a Chinese command word run into its id or number is split there (/查看001, /签收YQ-…)', () => {
    expect(parseCommand('/查看001')).toMatchObject({ name: '查看', args: '001', tokens: ['001'] });
    expect(parseCommand('/签收YQ-20261129-001 好的')).toMatchObject({ name: '签收', args: 'YQ-20261129-001 好的' });
    expect(parseCommand('/日报11-30')).toMatchObject({ name: '日报', args: '11-30' });
    expect(parseCommand('/上报网传帖子')).toMatchObject({ name: '上报网传帖子', args: '' });
    expect(parseCommand('/list2')).toMatchObject({ name: 'list2' });
  });
  test('keeps quoted arguments whole', () => {
    expect(tokenize('"a b" “c d” 「e f」 g')).toEqual(['a b', 'c d', 'e f', 'g']);
  });
  test('normalises incident ids and rejects others', () => {
    expect(parseIncidentId('yq-20261129-001')).toBe('YQ-20261129-001');
    expect(parseIncidentId('20261129-012')).toBe('YQ-20261129-012');
    expect(parseIncidentId('YQ-2026-001')).toBeNull();
    expect(parseIncidentId('hello')).toBeNull();
    expect(parseIncidentId(undefined)).toBeNull();
  });
});

test('full-width letters in the command word fold to ASCII (／ＲＥＰＯＲＴ from a Chinese IME)', () => {
  expect(parseCommand('／ＲＥＰＯＲＴ 帖子')).toMatchObject({ name: 'report', tokens: ['帖子'] });
});
