/**
 * DingTalk signatures and the error table (dingtalk.md §1a, §2, §5, §7.5; issue 13 items 2, 6).
 */
import { classifyOapi, classifyV1 } from '../../../../../src/bot/adapters/dingtalk/error-table.js';
import { dingtalkSign, signedWebhookUrl, verifyCallbackSign } from '../../../../../src/bot/adapters/dingtalk/sign.js';
import { cardParamMap, renderText } from '../../../../../src/bot/adapters/dingtalk/render.js';
import { parseCardCallback, parseRobotMessage } from '../../../../../src/bot/adapters/dingtalk/to-inbound-event.js';
import { SignatureError, StaleError } from '../../../../../src/errors.js';

const SECRET = 'app-secret-for-tests';
const NOW = 1_796_000_000_000;

describe('HTTP callback sign check (dingtalk.md §1a)', () => {
  test('a sign made with the app secret over timestamp + "\\n" + secret passes within the hour', () => {
    const ts = String(NOW - 3_599_000);
    expect(() => verifyCallbackSign(SECRET, ts, dingtalkSign(SECRET, ts), NOW, 3_600_000)).not.toThrow();
  });
  test('a wrong, missing or other-secret sign is a SignatureError; outside the window a StaleError', () => {
    const ts = String(NOW);
    expect(() => verifyCallbackSign(SECRET, ts, dingtalkSign('other', ts), NOW, 3_600_000)).toThrow(SignatureError);
    expect(() => verifyCallbackSign(SECRET, ts, undefined, NOW, 3_600_000)).toThrow(SignatureError);
    expect(() => verifyCallbackSign(SECRET, 'abc', 'x', NOW, 3_600_000)).toThrow(SignatureError);
    const old = String(NOW - 3_600_001);
    expect(() => verifyCallbackSign(SECRET, old, dingtalkSign(SECRET, old), NOW, 3_600_000)).toThrow(StaleError);
  });
  test('the custom robot URL carries timestamp and the url-encoded sign (dingtalk.md §2)', () => {
    const u = new URL(signedWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=T', 'SECx', NOW));
    expect(u.searchParams.get('access_token')).toBe('T');
    expect(u.searchParams.get('timestamp')).toBe(String(NOW));
    expect(u.searchParams.get('sign')).toBe(dingtalkSign('SECx', String(NOW)));
  });
});

describe('error table (dingtalk.md §5, §7.5)', () => {
  test.each([
    [-1, 'retry'],
    [88, 'retry'],
    [410100, 'retry'],
    [130101, 'retry'],
    [40014, 'refresh-token'],
    [310000, 'give-up'],
    [60121, 'give-up'],
  ])('oapi errcode %p → %s', (code, action) => {
    expect(classifyOapi(code)).toBe(action);
  });
  test.each([
    [400, 'InvalidAuthentication', 'refresh-token'],
    [500, 'unknownError', 'retry'],
    [429, undefined, 'retry'],
    [403, 'Forbidden.AccessDenied.QpsLimitForApi', 'retry'],
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 'give-up'],
    [400, 'invalidParameter.robotCode.auth', 'give-up'],
  ])('v1.0 HTTP %p %p → %s', (status, code, action) => {
    expect(classifyV1(status, code)).toBe(action);
  });
});

describe('rendering and parsing', () => {
  test('@{userId} tokens become the literal @userId and go to atUserIds; mentions without a token are appended (dingtalk.md §2)', () => {
    const r = renderText({ text: '@{dt0005} 请签收', mentions: ['dt0005', 'dt0006'] });
    expect(r.text).toContain('@dt0005 请签收');
    expect(r.text).toContain('@dt0006');
    expect(r.atUserIds.sort()).toEqual(['dt0005', 'dt0006']);
  });
  test('a card becomes string-only params for every template slot, generic over buttons (approve/reject too)', () => {
    const m = cardParamMap({
      id: 'appr-1',
      title: '审批',
      buttons: [
        { key: 'approve:1', text: '同意' },
        { key: 'reject:1', text: '驳回', style: 'danger' },
      ],
    });
    expect(m).toMatchObject({ btn1_key: 'approve:1', btn2_key: 'reject:1', btn3_key: '', btn3_text: '' });
    expect(Object.values(m).every((v) => typeof v === 'string')).toBe(true);
  });
  test('a group message maps senderStaffId → userId and conversationId → chatId; a 1:1 has no chatId; external senders are invalid (dingtalk.md §1a, §4)', () => {
    const base = { msgtype: 'text', text: { content: ' /帮助' }, msgId: 'm1', robotCode: 'r', conversationId: 'cidA' };
    expect(parseRobotMessage({ ...base, conversationType: '2', senderStaffId: 'u1' })).toMatchObject({
      kind: 'message',
      eventId: 'r:m1',
      chatId: 'cidA',
      userId: 'u1',
      text: '/帮助',
    });
    expect(parseRobotMessage({ ...base, conversationType: '1', senderStaffId: 'u1' })).toMatchObject({
      chatId: undefined,
    });
    expect(parseRobotMessage({ ...base, conversationType: '2' })).toMatchObject({ kind: 'invalid' });
  });
  test('a card click parses content (JSON inside JSON) to the button key, and the outTrackId back to the card id (dingtalk.md §3)', () => {
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['b'], params: { key: 'ack:YQ-1' } } });
    expect(parseCardCallback({ outTrackId: 'ack-YQ-1.0a1b2c3d', userId: 'u1', content })).toMatchObject({
      kind: 'card',
      cardId: 'ack-YQ-1',
      key: 'ack:YQ-1',
      eventId: 'ack-YQ-1.0a1b2c3d:u1:ack:YQ-1',
    });
    expect(parseCardCallback({ outTrackId: 'x', userId: 'u', content: '{bad' })).toMatchObject({ kind: 'invalid' });
  });
});
