import { createCipheriv, randomBytes } from 'node:crypto';
import { decryptMessage, encryptReply, verifySignature } from '../../../../../src/bot/adapters/wecom/crypto.js';
import { BadRequestError, ConfigError, SignatureError } from '../../../../../src/errors.js';

// Official WXBizMsgCrypt sample values (wecom.md §7).
const SIG = {
  token: 'QDG6eK',
  timestamp: '1409659589',
  nonce: '263014780',
  encrypt: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  encoded: 'P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D',
  signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
};
const KEY = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
const CORP = 'ww1436e0e65a779aee';
const ECHOSTR = 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==';
const ENCRYPT =
  'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+';
const XML =
  '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>';

/** AES-256-CBC over a hand-made frame with the given trailing pad bytes (no auto padding). */
function encryptRawFrame(msg: string, receiveId: string, pad: number[]): string {
  const key = Buffer.from(`${KEY}=`, 'base64');
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  const frame = Buffer.concat([randomBytes(16), len, body, Buffer.from(receiveId), Buffer.from(pad)]);
  if (frame.length % 16 !== 0) throw new Error(`frame length ${frame.length} not block aligned`);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(frame), c.final()]).toString('base64');
}

/** Pad so that 20 + msg + id + pad is a multiple of 32. */
function padFor(msg: string, receiveId: string): number {
  const n = 20 + Buffer.byteLength(msg) + Buffer.byteLength(receiveId);
  return 32 - (n % 32);
}

describe('WeCom callback crypto [91144, 101033]', () => {
  test('official sample: msg_signature over the sorted fields verifies [91144]', () => {
    expect(() => verifySignature(SIG.token, SIG.timestamp, SIG.nonce, SIG.encrypt, SIG.signature)).not.toThrow();
  });

  test('official sample: the percent-encoded echostr decodes to the signed value (URL-decode first) [91144]', () => {
    const decoded = new URL(`http://x/?echostr=${SIG.encoded}`).searchParams.get('echostr');
    expect(decoded).toBe(SIG.encrypt);
    expect(() => verifySignature(SIG.token, SIG.timestamp, SIG.nonce, decoded!, SIG.signature)).not.toThrow();
  });

  test('a wrong signature (one hex digit changed, or another length) throws SignatureError', () => {
    const bad = `${SIG.signature.slice(0, -1)}4`;
    expect(() => verifySignature(SIG.token, SIG.timestamp, SIG.nonce, SIG.encrypt, bad)).toThrow(SignatureError);
    expect(() => verifySignature(SIG.token, SIG.timestamp, SIG.nonce, SIG.encrypt, 'abc')).toThrow(SignatureError);
    expect(() => verifySignature('other', SIG.timestamp, SIG.nonce, SIG.encrypt, SIG.signature)).toThrow(
      SignatureError,
    );
  });

  test('official sample: echostr decrypts to 1288432023552776189 with receiveid ww1436e0e65a779aee [91144]', () => {
    expect(decryptMessage(KEY, ECHOSTR, CORP)).toBe('1288432023552776189');
  });

  test('official sample: Encrypt decrypts to the sample XML message [91144]', () => {
    expect(decryptMessage(KEY, ENCRYPT, CORP)).toBe(XML);
  });

  test('a receiveid other than the expected one is rejected (the AI bot expects "") [101033]', () => {
    expect(() => decryptMessage(KEY, ECHOSTR, '')).toThrow(SignatureError);
    expect(() => decryptMessage(KEY, ECHOSTR, 'wwOtherCorp')).toThrow(SignatureError);
  });

  test('round trip: encryptReply output verifies and decrypts with receiveid "" (Chinese text) [101033]', () => {
    const plain = JSON.stringify({ msgtype: 'stream', stream: { id: 's1', finish: true, content: '已签收 <@LiHua>' } });
    const env = encryptReply('tok', KEY, plain, '', 1_700_000_000, 'n1');
    expect(env.timestamp).toBe(1_700_000_000);
    expect(env.nonce).toBe('n1');
    expect(() => verifySignature('tok', String(env.timestamp), env.nonce, env.encrypt, env.msgsignature)).not.toThrow();
    expect(decryptMessage(KEY, env.encrypt, '')).toBe(plain);
  });

  test('tampered ciphertext fails the signature, and decrypting it anyway is rejected as malformed', () => {
    const env = encryptReply('tok', KEY, 'hello', '', 1_700_000_000, 'n1');
    const bytes = Buffer.from(env.encrypt, 'base64');
    bytes[0] ^= 0x80; // CBC: flips the top byte of the length field in the next block
    const tampered = bytes.toString('base64');
    expect(() => verifySignature('tok', '1700000000', 'n1', tampered, env.msgsignature)).toThrow(SignatureError);
    expect(() => decryptMessage(KEY, tampered, '')).toThrow(BadRequestError);
  });

  test('bad PKCS#7 padding is rejected: unequal pad bytes, pad 0, pad > 32 (the library accepts them) [91144]', () => {
    const msg = 'abc';
    const n = padFor(msg, '');
    const unequal = Array.from({ length: n }, (_, i) => (i === 0 ? n + 1 : n));
    expect(() => decryptMessage(KEY, encryptRawFrame(msg, '', unequal), '')).toThrow(BadRequestError);
    const zero = Array.from({ length: n }, () => 0);
    expect(() => decryptMessage(KEY, encryptRawFrame(msg, '', zero), '')).toThrow(BadRequestError);
    const big = Array.from({ length: n }, () => 33);
    expect(() => decryptMessage(KEY, encryptRawFrame(msg, '', big), '')).toThrow(BadRequestError);
    const good = Array.from({ length: n }, () => n);
    expect(decryptMessage(KEY, encryptRawFrame(msg, '', good), '')).toBe(msg);
  });

  test('non-base64 or non-block-sized ciphertext is a bad request; a bad EncodingAESKey is a config error', () => {
    expect(() => decryptMessage(KEY, 'not base64!', '')).toThrow(BadRequestError);
    expect(() => decryptMessage(KEY, Buffer.alloc(40).toString('base64'), '')).toThrow(BadRequestError);
    expect(() => decryptMessage('short', ECHOSTR, CORP)).toThrow(ConfigError);
  });
});
