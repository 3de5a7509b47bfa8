/**
 * Normalises a decrypted AI-bot callback (JSON [100719, 101027]) into a platform-neutral shape.
 * The adapter adds the reply functions and turns `message`/`card` into `InboundEvent`s.
 */
import { parse as parseLossless } from 'lossless-json';
import { BadRequestError } from '../../../errors.js';

/** Fields every parsed callback has. `chatId` only in group chats [100719]. */
interface ParsedBase {
  /** Dedupe key: `msgid` (wecom.md §5), or a composite for events without one. */
  eventId: string;
  chatId?: string;
  userId: string;
  /** Single-use reply url (1 hour) [101138], when the callback carries one. */
  responseUrl?: string;
}

/** A text command addressed to the bot (text, text parts of `mixed`, or recognised `voice`). */
export interface ParsedMessage extends ParsedBase {
  kind: 'message';
  text: string;
}
/** A click on a template-card button: `cardId` = task_id, `key` = event_key [101027]. */
export interface ParsedCardAction extends ParsedBase {
  kind: 'card';
  cardId: string;
  key: string;
}
/** The user opened a 1:1 chat with the bot (first time that day) [101027]. */
export interface ParsedEnterChat extends ParsedBase {
  kind: 'enter_chat';
}
/** A message type we do not handle (image, file, video, mixed without text...). */
export interface ParsedUnsupported extends ParsedBase {
  kind: 'unsupported';
  msgtype: string;
}
/** Something to acknowledge and drop (feedback_event, unknown events); `reason` is for the log. */
export interface ParsedIgnored extends ParsedBase {
  kind: 'ignored';
  reason: string;
}

export type ParsedCallback = ParsedMessage | ParsedCardAction | ParsedEnterChat | ParsedUnsupported | ParsedIgnored;

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Strips the bot mention from text (wecom.md §0: group text arrives as "@BotName /cmd ...").
 * With `botName`, removes `@botName` at the start or the end (clients put it either place).
 * Otherwise, or when `botName` was not found and `leading` is true, removes one leading `@\S+`
 * and the whitespace after it (incl. U+2005). The rest of the text is kept as typed, trimmed.
 */
export function stripBotMention(text: string, botName?: string, leading = true): string {
  const t = text.trim();
  if (botName) {
    const name = escapeRe(botName);
    const stripped = t
      .replace(new RegExp(`^@${name}(?:\\s+|$)`, 'u'), '')
      .replace(new RegExp(`\\s*@${name}$`, 'u'), '');
    if (stripped !== t) return stripped.trim();
  }
  return leading ? t.replace(/^@\S+(?:\s+|$)/u, '').trim() : t;
}

/** Text carried by a message: text.content, voice.content, or the text items of mixed.msg_item. */
function messageText(msgtype: string, body: Json): string | undefined {
  if (msgtype === 'text') return str(obj(body.text)?.content);
  if (msgtype === 'voice') return str(obj(body.voice)?.content);
  if (msgtype === 'mixed') {
    const items = obj(body.mixed)?.msg_item;
    if (!Array.isArray(items)) return undefined;
    const parts = items
      .map((i) => (obj(i)?.msgtype === 'text' ? str(obj(obj(i)?.text)?.content) : undefined))
      .filter((p): p is string => !!p && p.trim().length > 0);
    return parts.length ? parts.join('\n') : undefined;
  }
  return undefined;
}

/**
 * Parses the decrypted callback text as JSON without losing digits: every JSON number is kept as
 * its source text (a string), so a `msgid` sent as a number above 2^53 keeps every digit and two
 * different such ids stay two messages (issue 14 item 4; wecom.md §5 "dedupe on msgid (string)").
 * A key given twice keeps its last value (as `JSON.parse` does).
 * @throws BadRequestError when the text is not JSON (also for nesting too deep to parse).
 */
export function decodeCallbackJson(plain: string): unknown {
  try {
    return parseLossless(plain, null, {
      parseNumber: (text) => text,
      onDuplicateKey: ({ newValue }) => newValue,
    });
  } catch {
    throw new BadRequestError('decrypted callback is not JSON');
  }
}

/**
 * Parses a decrypted callback object.
 * Card events are read from `event.template_card_event.{task_id,event_key}` (the shape WeCom
 * sends), falling back to `event.{task_id,event_key}` (the shape the aibot-node-sdk types show).
 * @param botName the bot's display name, to strip its mention (see `stripBotMention`).
 * @throws BadRequestError when required fields (msgtype, from.userid, msgid of a message) are missing.
 */
export function parseAiBotCallback(input: unknown, botName?: string): ParsedCallback {
  const body = obj(input);
  if (!body) throw new BadRequestError('callback is not a JSON object');
  const msgtype = str(body.msgtype);
  const userId = str(obj(body.from)?.userid);
  if (!msgtype) throw new BadRequestError('callback has no msgtype');
  if (!userId) throw new BadRequestError('callback has no from.userid');
  const chatId = str(body.chatid) || undefined;
  const responseUrl = str(body.response_url) || undefined;
  const msgid = str(body.msgid);

  if (msgtype === 'event') {
    const event = obj(body.event) ?? {};
    const eventtype = str(event.eventtype) ?? '';
    const inner = obj(event[eventtype]) ?? {};
    const taskId = str(inner.task_id) ?? str(event.task_id);
    const key = str(inner.event_key) ?? str(event.event_key);
    const eventId = msgid || [userId, str(body.create_time) ?? '', eventtype, key ?? '', taskId ?? ''].join('|');
    const base = { eventId, chatId, userId, responseUrl };
    if (eventtype === 'template_card_event') {
      if (!taskId || !key) return { ...base, kind: 'ignored', reason: 'template_card_event without task_id/event_key' };
      return { ...base, kind: 'card', cardId: taskId, key };
    }
    if (eventtype === 'enter_chat') return { ...base, kind: 'enter_chat' };
    return { ...base, kind: 'ignored', reason: `event ${eventtype || '(none)'} not handled` };
  }

  if (!msgid) throw new BadRequestError('message callback has no msgid');
  const base = { eventId: msgid, chatId, userId, responseUrl };
  const raw = messageText(msgtype, body);
  if (raw === undefined) return { ...base, kind: 'unsupported', msgtype };
  const inGroup = str(body.chattype) === 'group' || !!chatId;
  const text = stripBotMention(raw, botName, inGroup);
  return { ...base, kind: 'message', text };
}
