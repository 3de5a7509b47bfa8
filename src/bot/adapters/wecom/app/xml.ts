/**
 * The self-built app's XML [90930, 90240] (wecom.md §1a, §6.4), parsed with `fast-xml-parser`:
 * every value stays a string (`parseTagValue: false`: a 64-bit MsgId keeps every digit), CDATA is
 * read as text, and entities are not expanded (`processEntities: false`); a document with a
 * DOCTYPE or ENTITY declaration is refused outright (WeCom never sends one: XXE / billion laughs).
 */
import { XMLParser } from 'fast-xml-parser';
import { BadRequestError } from '../../../../errors.js';

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** A flat `<xml>` document: element name → text (nested elements are kept as objects). */
export type XmlFields = Record<string, unknown>;

/**
 * Parses `<xml>…</xml>` into its children.
 * @throws BadRequestError for a DOCTYPE/ENTITY declaration, malformed XML or no `<xml>` root.
 */
export function parseWeComXml(text: string): XmlFields {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new BadRequestError('XML declarations (DOCTYPE/ENTITY) are not accepted');
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch {
    throw new BadRequestError('body is not valid XML');
  }
  const root = (doc as { xml?: unknown } | null)?.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new BadRequestError('XML has no <xml> root');
  return root as XmlFields;
}

/** A field as text: strings as they are; absent, nested or repeated fields give undefined. */
export function field(x: XmlFields, name: string): string | undefined {
  const v = x[name];
  return typeof v === 'string' ? v : undefined;
}

/** The decrypted callback, normalised (wecom.md §1a, §3). */
export type AppCallback =
  | { kind: 'text'; eventId: string; userId: string; agentId?: string; text: string }
  | {
      kind: 'card';
      eventId: string;
      userId: string;
      agentId?: string;
      taskId: string;
      key: string;
      responseCode?: string;
      createTime: string;
    }
  | { kind: 'unsupported'; eventId: string; userId: string; agentId?: string; msgType: string }
  | { kind: 'ignored'; eventId: string; userId: string; agentId?: string; reason: string };

/**
 * Normalises a decrypted message or event. Dedupe keys (wecom.md §5): a message's MsgId as a
 * string (`app:msg:<MsgId>`); an event's FromUserName + CreateTime + Event + EventKey/TaskId.
 * @throws BadRequestError without FromUserName, or a text message without MsgId.
 */
export function toAppCallback(x: XmlFields): AppCallback {
  const userId = field(x, 'FromUserName');
  if (!userId) throw new BadRequestError('callback without FromUserName');
  const agentId = field(x, 'AgentID');
  const msgType = field(x, 'MsgType') ?? '';
  const createTime = field(x, 'CreateTime') ?? '';
  if (msgType === 'event') {
    const event = field(x, 'Event') ?? '';
    const key = field(x, 'EventKey') ?? '';
    const taskId = field(x, 'TaskId') ?? '';
    const eventId = `app:event:${userId}:${createTime}:${event}:${key}:${taskId}`;
    if (event === 'template_card_event' && key && taskId)
      return {
        kind: 'card',
        eventId,
        userId,
        agentId,
        taskId,
        key,
        responseCode: field(x, 'ResponseCode') || undefined,
        createTime,
      };
    return { kind: 'ignored', eventId, userId, agentId, reason: `event ${event || '(none)'}` };
  }
  const msgId = field(x, 'MsgId');
  if (!msgId) throw new BadRequestError('message callback without MsgId');
  const eventId = `app:msg:${msgId}`;
  if (msgType === 'text') return { kind: 'text', eventId, userId, agentId, text: field(x, 'Content') ?? '' };
  return { kind: 'unsupported', eventId, userId, agentId, msgType };
}
