import { parseAiBotCallback, stripBotMention } from '../../../../../src/bot/adapters/wecom/to-inbound-event.js';
import { BadRequestError } from '../../../../../src/errors.js';

const group = {
  msgid: 'm1',
  aibotid: 'aib1',
  chatid: 'wrRelief002',
  chattype: 'group',
  from: { userid: 'LiuYang' },
  response_url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=c1',
};

describe('AI-bot callback normalisation [100719, 101027]', () => {
  test('a group text message keeps chatid, sender, response_url and loses the leading @mention (wecom.md §0)', () => {
    const p = parseAiBotCallback({ ...group, msgtype: 'text', text: { content: '@舆情助手 /上报 某平台 负面帖子' } });
    expect(p).toEqual({
      kind: 'message',
      eventId: 'm1',
      chatId: 'wrRelief002',
      userId: 'LiuYang',
      responseUrl: group.response_url,
      text: '/上报 某平台 负面帖子',
    });
  });

  test('the mention may be followed by U+2005 and the rest of the text is kept as typed', () => {
    expect(stripBotMention('@Bot\u2005/ack  YQ-1 说明')).toBe('/ack  YQ-1 说明');
  });

  test('with the bot name configured, a trailing @BotName is stripped too, other mentions kept', () => {
    expect(stripBotMention('/派 @LiHua @舆情助手', '舆情助手')).toBe('/派 @LiHua');
    expect(stripBotMention('@舆情助手 /派 @LiHua', '舆情助手')).toBe('/派 @LiHua');
  });

  test('1:1 text has no chatId and is not stripped', () => {
    const p = parseAiBotCallback({
      msgid: 'm2',
      chattype: 'single',
      from: { userid: 'LiHua' },
      msgtype: 'text',
      text: { content: '@张三 你好' },
    });
    expect(p).toMatchObject({ kind: 'message', text: '@张三 你好' });
    expect(p.chatId).toBeUndefined();
  });

  test('voice (already text) and the text items of mixed are messages', () => {
    expect(parseAiBotCallback({ ...group, msgtype: 'voice', voice: { content: '/列表' } })).toMatchObject({
      kind: 'message',
      text: '/列表',
    });
    const mixed = {
      ...group,
      msgtype: 'mixed',
      mixed: {
        msg_item: [
          { msgtype: 'text', text: { content: '@Bot /上报 看图' } },
          { msgtype: 'image', image: { url: 'u' } },
        ],
      },
    };
    expect(parseAiBotCallback(mixed)).toMatchObject({ kind: 'message', text: '/上报 看图' });
  });

  test('image and file messages are unsupported', () => {
    expect(parseAiBotCallback({ ...group, msgtype: 'image', image: { url: 'u' } })).toMatchObject({
      kind: 'unsupported',
      msgtype: 'image',
    });
    expect(parseAiBotCallback({ ...group, msgtype: 'file', file: { url: 'u' } })).toMatchObject({
      kind: 'unsupported',
      msgtype: 'file',
    });
  });

  test('a template_card_event is a card action: cardId = task_id, key = event_key (nested and flat shapes)', () => {
    const nested = {
      ...group,
      msgtype: 'event',
      event: {
        eventtype: 'template_card_event',
        template_card_event: { card_type: 'button_interaction', event_key: 'ack:YQ-1', task_id: 'T1' },
      },
    };
    expect(parseAiBotCallback(nested)).toMatchObject({
      kind: 'card',
      eventId: 'm1',
      cardId: 'T1',
      key: 'ack:YQ-1',
      userId: 'LiuYang',
      chatId: 'wrRelief002',
    });
    const flat = {
      ...group,
      msgtype: 'event',
      event: { eventtype: 'template_card_event', event_key: 'k', task_id: 'T2' },
    };
    expect(parseAiBotCallback(flat)).toMatchObject({ kind: 'card', cardId: 'T2', key: 'k' });
  });

  test('events without msgid get a composite dedupe id (wecom.md §5)', () => {
    const { msgid: _drop, ...noId } = group;
    const p = parseAiBotCallback({
      ...noId,
      create_time: 1700000000,
      msgtype: 'event',
      event: { eventtype: 'template_card_event', template_card_event: { event_key: 'k', task_id: 'T' } },
    });
    expect(p.eventId).toBe('LiuYang|1700000000|template_card_event|k|T');
  });

  test('enter_chat is recognised; feedback and unknown events are ignored', () => {
    expect(
      parseAiBotCallback({ msgid: 'e', from: { userid: 'u' }, msgtype: 'event', event: { eventtype: 'enter_chat' } })
        .kind,
    ).toBe('enter_chat');
    expect(
      parseAiBotCallback({
        msgid: 'e',
        from: { userid: 'u' },
        msgtype: 'event',
        event: { eventtype: 'feedback_event' },
      }).kind,
    ).toBe('ignored');
  });

  test('missing msgtype, sender or message msgid is a bad request', () => {
    expect(() => parseAiBotCallback({ msgid: 'x', from: { userid: 'u' } })).toThrow(BadRequestError);
    expect(() => parseAiBotCallback({ msgid: 'x', msgtype: 'text', text: { content: 'a' } })).toThrow(BadRequestError);
    expect(() => parseAiBotCallback({ from: { userid: 'u' }, msgtype: 'text', text: { content: 'a' } })).toThrow(
      BadRequestError,
    );
    expect(() => parseAiBotCallback('nope')).toThrow(BadRequestError);
  });
});
