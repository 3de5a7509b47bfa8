/**
 * The self-built app's callback decoding (issue 12 item 3; wecom.md §1a, §4, §6.4), on Tencent's
 * own sample values (wecom.md §7): the CorpID check, MsgId kept as text, fast-xml-parser with
 * entities off (a DOCTYPE is refused), template_card_event clicks and their dedupe keys (§5).
 */
import { computeSignature, decryptMessage } from '../../../../../../src/bot/adapters/wecom/crypto.js';
import { cardIdOfTask, taskIdFor, appMessageBody } from '../../../../../../src/bot/adapters/wecom/app/render-app.js';
import { parseWeComXml, toAppCallback } from '../../../../../../src/bot/adapters/wecom/app/xml.js';
import { BadRequestError, SignatureError } from '../../../../../../src/errors.js';

const KEY = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
const CORP = 'ww1436e0e65a779aee';
const ECHOSTR = 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==';
const ENCRYPT =
  'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+';

test('the official sample signature and echostr decrypt as the platform defines (wecom.md §7)', () => {
  expect(
    computeSignature(
      'QDG6eK',
      '1409659589',
      '263014780',
      'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
    ),
  ).toBe('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3');
  expect(decryptMessage(KEY, ECHOSTR, CORP)).toBe('1288432023552776189');
});

test('the sample message decrypts for the CorpID only and parses with MsgId as a string (wecom.md §4, §6.4)', () => {
  expect(() => decryptMessage(KEY, ENCRYPT, 'wwAnotherCorp')).toThrow(SignatureError);
  expect(() => decryptMessage(KEY, ENCRYPT, '')).toThrow(SignatureError);
  const parsed = toAppCallback(parseWeComXml(decryptMessage(KEY, ENCRYPT, CORP)));
  expect(parsed).toEqual({
    kind: 'text',
    eventId: 'app:msg:1456453720',
    userId: 'ChenJiaShun',
    agentId: '1000002',
    text: '你好',
  });
});

test('a 64-bit MsgId keeps every digit; CDATA is text; entities are not expanded', () => {
  const x = parseWeComXml(
    '<xml><FromUserName><![CDATA[LiuYang]]></FromUserName><MsgType>text</MsgType><Content><![CDATA[/签收 &amp; <b>]]></Content><MsgId>18446744073709551615</MsgId></xml>',
  );
  const p = toAppCallback(x);
  expect(p).toMatchObject({ kind: 'text', eventId: 'app:msg:18446744073709551615', text: '/签收 &amp; <b>' });
});

test('DOCTYPE / ENTITY declarations are refused before parsing (XXE, wecom.md §6.4)', () => {
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>';
  expect(() => parseWeComXml(xxe)).toThrow(BadRequestError);
  expect(() => parseWeComXml('<xml><a>1</a')).toThrow(BadRequestError);
  expect(() => parseWeComXml('<other/>')).toThrow(BadRequestError);
});

test('a template_card_event click maps to a card action; its dedupe key is user+time+event+key+task (wecom.md §3, §5)', () => {
  const x = parseWeComXml(
    '<xml><ToUserName>ww1</ToUserName><FromUserName>LiuYang</FromUserName><CreateTime>1764567890</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><TaskId>ack-YQ-20261201-001@0a1b2c3d4e5f</TaskId><CardType>button_interaction</CardType><ResponseCode>rc123</ResponseCode><EventKey>ack:YQ-20261201-001</EventKey><AgentID>1000002</AgentID></xml>',
  );
  const p = toAppCallback(x);
  expect(p).toEqual({
    kind: 'card',
    eventId: 'app:event:LiuYang:1764567890:template_card_event:ack:YQ-20261201-001:ack-YQ-20261201-001@0a1b2c3d4e5f',
    userId: 'LiuYang',
    agentId: '1000002',
    taskId: 'ack-YQ-20261201-001@0a1b2c3d4e5f',
    key: 'ack:YQ-20261201-001',
    responseCode: 'rc123',
    createTime: '1764567890',
  });
  expect(p.kind === 'card' && cardIdOfTask(p.taskId)).toBe('ack-YQ-20261201-001');
  expect(
    toAppCallback(
      parseWeComXml('<xml><FromUserName>a</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event></xml>'),
    ).kind,
  ).toBe('ignored');
  expect(() => toAppCallback(parseWeComXml('<xml><MsgType>text</MsgType></xml>'))).toThrow(BadRequestError);
});

test('task_ids are unique per send, in the allowed charset and length, and map back to the card id (wecom.md §3)', () => {
  const a = taskIdFor('apv-YQ-20261201-001-statement-1');
  const b = taskIdFor('apv-YQ-20261201-001-statement-1');
  expect(a).not.toBe(b);
  expect(a).toMatch(/^[0-9A-Za-z_\-@]{1,128}$/);
  expect(cardIdOfTask(a)).toBe('apv-YQ-20261201-001-statement-1');
  expect(Buffer.byteLength(taskIdFor('x'.repeat(300)))).toBeLessThanOrEqual(128);
});

test('1:1 app text is plain: names for mention tokens, no ** markers, cut to 2048 bytes (wecom.md §2, §6.5)', () => {
  const body = appMessageBody(
    { text: `**YQ-1** 请 @{LiuYang} 签收\n${'很'.repeat(1000)}`, mentions: ['LiuYang'] },
    (u) => (u === 'LiuYang' ? '刘洋' : undefined),
  ) as { msgtype: string; text: { content: string } };
  expect(body.msgtype).toBe('text');
  expect(body.text.content.startsWith('YQ-1 请 @刘洋 签收')).toBe(true);
  expect(Buffer.byteLength(body.text.content)).toBeLessThanOrEqual(2048);
});
