/**
 * Parsing DingTalk payloads (robot message, card click) into neutral shapes (dingtalk.md §1a, §3, §4).
 * Identity is `senderStaffId` / the card's `userId` (userIdType 1); encrypted ids are ignored.
 */

/** A robot message, parsed. `chatId` is set for groups (conversationType "2") only. */
export interface ParsedRobotMessage {
  kind: 'message';
  /** `robotCode:msgId` (dingtalk.md §5 inbound dedupe). */
  eventId: string;
  msgId: string;
  robotCode?: string;
  chatId?: string;
  conversationId: string;
  userId: string;
  userName?: string;
  text: string;
  /** Whether text was sent (other msgtypes get a hint). */
  supported: boolean;
  sessionWebhook?: string;
  /** ms epoch. */
  sessionWebhookExpiredTime?: number;
}

/** Why a payload was not a usable message. */
export interface ParseFailure {
  kind: 'invalid';
  reason: string;
}

/**
 * Parses a robot message body (HTTP callback body or Stream frame `data`). The bot's own mention is
 * already stripped by DingTalk; a leading `@botName` some clients still send is stripped too.
 * A message without `senderStaffId` (external user) is `invalid`.
 */
export function parseRobotMessage(body: unknown, botName?: string): ParsedRobotMessage | ParseFailure {
  if (!body || typeof body !== 'object') return { kind: 'invalid', reason: 'body is not a JSON object' };
  const b = body as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && (b[k] as string).length ? (b[k] as string) : undefined);
  const msgId = str('msgId');
  const conversationId = str('conversationId');
  const userId = str('senderStaffId');
  if (!msgId) return { kind: 'invalid', reason: 'msgId missing' };
  if (!conversationId) return { kind: 'invalid', reason: 'conversationId missing' };
  if (!userId) return { kind: 'invalid', reason: 'senderStaffId missing (external user?)' };
  const robotCode = str('robotCode');
  const supported = b.msgtype === 'text';
  let text = supported ? String((b.text as { content?: unknown } | undefined)?.content ?? '') : '';
  text = text.trim();
  if (botName && text.startsWith(`@${botName}`)) text = text.slice(botName.length + 1).trim();
  const expired = Number(b.sessionWebhookExpiredTime);
  return {
    kind: 'message',
    eventId: `${robotCode ?? ''}:${msgId}`,
    msgId,
    robotCode,
    chatId: String(b.conversationType) === '2' ? conversationId : undefined,
    conversationId,
    userId,
    userName: str('senderNick'),
    text,
    supported,
    sessionWebhook: str('sessionWebhook'),
    sessionWebhookExpiredTime: Number.isFinite(expired) && expired > 0 ? expired : undefined,
  };
}

/** A card button click (dingtalk.md §3). */
export interface ParsedCardClick {
  kind: 'card';
  outTrackId: string;
  /** The neutral card id (the part of `outTrackId` before `.<8 hex>`). */
  cardId: string;
  userId: string;
  /** The button's `key` callback param (docs/dingtalk-card.md). */
  key: string;
  /** `outTrackId:userId:key` (dingtalk.md §5 card-click dedupe). */
  eventId: string;
}

/** The `outTrackId` of a card instance: `<card id>.<8 hex>` (unique per delivery). */
export function cardIdOf(outTrackId: string): string {
  return outTrackId.replace(/\.[0-9a-f]{8}$/, '');
}

/**
 * Parses a card callback (`{type, outTrackId, userId, content: "<JSON>"}`; `content` is JSON inside
 * JSON whose `cardPrivateData.params.key` is the button key).
 */
export function parseCardCallback(body: unknown): ParsedCardClick | ParseFailure {
  if (!body || typeof body !== 'object') return { kind: 'invalid', reason: 'card callback is not a JSON object' };
  const b = body as Record<string, unknown>;
  const outTrackId = typeof b.outTrackId === 'string' ? b.outTrackId : '';
  const userId = typeof b.userId === 'string' ? b.userId : '';
  if (!outTrackId || !userId) return { kind: 'invalid', reason: 'outTrackId or userId missing' };
  let content: unknown = b.content ?? b.value;
  if (typeof content === 'string') {
    try {
      content = JSON.parse(content);
    } catch {
      return { kind: 'invalid', reason: 'content is not JSON' };
    }
  }
  const priv = (content as { cardPrivateData?: { params?: Record<string, unknown>; actionIds?: unknown[] } } | null)
    ?.cardPrivateData;
  const key = typeof priv?.params?.key === 'string' ? priv.params.key : '';
  if (!key) return { kind: 'invalid', reason: 'button callback param "key" missing' };
  return {
    kind: 'card',
    outTrackId,
    cardId: cardIdOf(outTrackId),
    userId,
    key,
    eventId: `${outTrackId}:${userId}:${key}`,
  };
}
