/**
 * Builds robot callbacks exactly as DingTalk sends them (dingtalk.md §1a): the JSON body and the
 * signed `timestamp`/`sign` headers. Used by `npm run dingtalk:send-test` and by the tests.
 */
import { randomBytes } from 'node:crypto';
import { dingtalkSign } from './sign.js';

/** What a test or the send-test script says about the message. */
export interface RobotMessageInput {
  /** Sender userId (senderStaffId). */
  userId: string;
  text: string;
  /** openConversationId of a group; absent: a 1:1 chat with the robot. */
  chatId?: string;
  robotCode: string;
  senderNick?: string;
  msgId?: string;
  /** sessionWebhook URL and its expiry (ms epoch). */
  sessionWebhook?: string;
  sessionWebhookExpiredTime?: number;
  createAt?: number;
}

/** The callback body (the bot's own mention already stripped, a leading space as DingTalk sends it). */
export function buildRobotMessage(i: RobotMessageInput): Record<string, unknown> {
  const now = i.createAt ?? Date.now();
  const conversationId = i.chatId ?? `cid1to1${i.userId}`;
  return {
    msgtype: 'text',
    text: { content: ` ${i.text}` },
    msgId: i.msgId ?? `msg${randomBytes(9).toString('base64url')}`,
    createAt: now,
    conversationType: i.chatId ? '2' : '1',
    conversationId,
    ...(i.chatId ? { conversationTitle: '工作群' } : {}),
    senderStaffId: i.userId,
    senderNick: i.senderNick ?? i.userId,
    senderId: `$:LWCP_v1:$${randomBytes(12).toString('base64')}`,
    chatbotUserId: `$:LWCP_v1:$bot${randomBytes(6).toString('hex')}`,
    robotCode: i.robotCode,
    isInAtList: true,
    isAdmin: false,
    ...(i.sessionWebhook
      ? {
          sessionWebhook: i.sessionWebhook,
          sessionWebhookExpiredTime: i.sessionWebhookExpiredTime ?? now + 90 * 60_000,
        }
      : {}),
  };
}

/** The `timestamp` and `sign` headers for `appSecret` at `nowMs`. */
export function signedHeaders(appSecret: string, nowMs = Date.now()): { timestamp: string; sign: string } {
  const timestamp = String(nowMs);
  return { timestamp, sign: dingtalkSign(appSecret, timestamp) };
}

/** POSTs a callback body with headers; returns status and the raw answer. */
export async function postCallback(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}
