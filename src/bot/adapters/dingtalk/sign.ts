/**
 * DingTalk signatures (dingtalk.md §1a, §2): the robot HTTP callback's `timestamp`/`sign` headers and
 * the custom group robot's signed webhook URL. Both are base64(HMAC-SHA256(key = secret,
 * data = timestamp + "\n" + secret)); the callback key is the app secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError, StaleError } from '../../../errors.js';

/** base64(HMAC-SHA256(secret, `${timestampMs}\n${secret}`)). */
export function dingtalkSign(secret: string, timestampMs: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/**
 * Checks a robot HTTP callback's headers (dingtalk.md §1a): `timestamp` (ms, string) within
 * `windowMs` of `nowMs`, and `sign` equal to `dingtalkSign(appSecret, timestamp)` (constant time).
 * @throws SignatureError (401) when missing or not matching; StaleError (401) outside the window.
 */
export function verifyCallbackSign(
  appSecret: string,
  timestamp: string | undefined,
  sign: string | undefined,
  nowMs: number,
  windowMs: number,
): void {
  if (!timestamp || !sign) throw new SignatureError('missing timestamp or sign header');
  if (!/^\d{1,16}$/.test(timestamp)) throw new SignatureError('timestamp header must be milliseconds');
  const want = Buffer.from(dingtalkSign(appSecret, timestamp));
  const got = Buffer.from(sign);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw new SignatureError('invalid sign');
  if (Math.abs(nowMs - Number(timestamp)) > windowMs) throw new StaleError('timestamp outside the accepted window');
}

/**
 * The custom group robot URL with `timestamp` and `sign` (dingtalk.md §2): `base` is the webhook
 * (`https://oapi.dingtalk.com/robot/send?access_token=…`), `secret` the robot's `SEC…` secret.
 */
export function signedWebhookUrl(base: string, secret: string, nowMs: number): string {
  const ts = String(nowMs);
  const u = new URL(base);
  u.searchParams.set('timestamp', ts);
  u.searchParams.set('sign', dingtalkSign(secret, ts));
  return u.toString();
}
