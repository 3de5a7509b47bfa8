/**
 * Body validation of the fake WeCom server, returning `[errcode, errmsg]` like WeCom:
 * 44004 empty content, 45002 too long, 40008 bad msgtype, 42014 bad task_id, 42017 bad button key
 * (wecom.md §3/§5), 40058 any other invalid parameter (also a `<@userid>` mention in markdown_v2,
 * which cannot mention, wecom.md §2).
 */

type Result = [number, string];
type Json = Record<string, unknown>;
const OK: Result = [0, 'ok'];

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Checks a text-ish `{content}` part: present, non-empty, within `max` UTF-8 bytes. */
function content(part: unknown, max: number): Result {
  const c = obj(part)?.content;
  if (typeof c !== 'string' || c.length === 0) return [44004, 'empty content'];
  if (bytes(c) > max) return [45002, `content exceeds ${max} bytes`];
  return OK;
}

/** Checks a `button_interaction` template card [90236]: title, task_id, 1..6 buttons, <= 6 rows. */
export function validateButtonCard(card: Json): Result {
  const title = obj(card.main_title)?.title;
  if (typeof title !== 'string' || !title) return [40058, 'main_title.title required'];
  const taskId = card.task_id;
  if (typeof taskId !== 'string' || !/^[0-9A-Za-z_\-@]+$/.test(taskId) || bytes(taskId) > 128)
    return [42014, 'invalid task_id'];
  const rows = card.horizontal_content_list;
  if (rows !== undefined && (!Array.isArray(rows) || rows.length > 6)) return [40058, 'horizontal_content_list > 6'];
  const buttons = card.button_list;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 6)
    return [40058, 'button_list must hold 1..6 buttons'];
  const keys = new Set<string>();
  for (const b of buttons) {
    const { text, key, style } = obj(b) ?? {};
    if (typeof text !== 'string' || !text) return [40058, 'button text required'];
    if (typeof key !== 'string' || !key || bytes(key) > 1024 || keys.has(key)) return [42017, 'invalid button key'];
    if (style !== undefined && (typeof style !== 'number' || style < 1 || style > 4))
      return [40058, 'button style must be 1..4'];
    keys.add(key);
  }
  return OK;
}

/** A webhook robot message [91770]. */
export function validateWebhookBody(body: unknown): Result {
  const b = obj(body);
  if (!b) return [40058, 'invalid json'];
  switch (b.msgtype) {
    case 'text':
      return content(b.text, 2048);
    case 'markdown':
      return content(b.markdown, 4096);
    case 'markdown_v2': {
      // markdown_v2 cannot mention (wecom.md §2, §6.6): a mention there would never notify
      const r = content(b.markdown_v2, 4096);
      if (r[0] !== 0) return r;
      return /<@[^>]+>/.test(String(obj(b.markdown_v2)?.content)) ? [40058, 'markdown_v2 cannot mention'] : r;
    }
    case 'template_card': {
      const type = obj(b.template_card)?.card_type;
      return type === 'text_notice' || type === 'news_notice'
        ? OK
        : [40058, 'webhook template_card must be text_notice or news_notice'];
    }
    case 'image':
    case 'news':
    case 'file':
    case 'voice':
      return OK;
    default:
      return [40008, 'invalid message type'];
  }
}

/** A response_url message [101138]: markdown or template_card. */
export function validateResponseUrlBody(body: unknown): Result {
  const b = obj(body);
  if (!b) return [40058, 'invalid json'];
  if (b.msgtype === 'markdown') return content(b.markdown, 20480);
  if (b.msgtype === 'template_card') {
    const card = obj(b.template_card);
    if (!card || typeof card.card_type !== 'string') return [40058, 'template_card.card_type required'];
    return card.card_type === 'button_interaction' ? validateButtonCard(card) : OK;
  }
  return [40008, 'invalid message type'];
}
