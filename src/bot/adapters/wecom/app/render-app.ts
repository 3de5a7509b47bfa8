/**
 * Rendering for the self-built app's 1:1 messages [90236] (wecom.md §2, §3, §6.5): plain `text`
 * (app markdown shows "暂不支持此消息类型" in the WeChat plugin), content <= 2048 UTF-8 bytes; a card
 * with buttons as ONE `button_interaction` template card whose `sub_title_text` carries the message
 * text (one without buttons, as text: that card type needs a button), so
 * each outbox row is one `message/send` against the 30/min and 1000/h per-recipient limits.
 * `task_id` is unique per send (`<card id>@<nonce>`, [0-9A-Za-z_-@], <= 128 bytes): the card id
 * is what comes back before the last `@`.
 */
import { randomBytes } from 'node:crypto';
import type { Card, OutboundMessage } from '../../../types.js';
import { truncateUtf8 } from '../render-markdown.js';
import { toTemplateCard, type WeComTemplateCard } from '../render-card.js';

/** Max UTF-8 bytes of an app `text.content` [90236]. */
export const APP_TEXT_MAX_BYTES = 2048;
/** Max characters we put in a card's `sub_title_text` (the card's second line [90236]). */
export const APP_CARD_SUBTITLE_MAX_CHARS = 160;
/** Max bytes of a task_id [90236]. */
export const TASK_ID_MAX_BYTES = 128;

const TOKEN_RE = /@\{([^{}\s]+)\}/g;

/**
 * Text for a 1:1 app message: `@{userid}` tokens become `@姓名` (1:1 messages notify by
 * themselves; a mention there is only a name), `**bold**` markers are dropped (plain text shows
 * them raw), trimmed. `nameOf` maps a WeCom userid to a display name (fallback: the userid).
 */
export function appPlainText(text: string, nameOf: (userId: string) => string | undefined): string {
  return text
    .replace(TOKEN_RE, (_m, id: string) => `@${nameOf(id) ?? id}`)
    .replace(/\*\*/g, '')
    .trim();
}

/** A unique task_id for one send of `cardId`. */
export function taskIdFor(cardId: string): string {
  const nonce = randomBytes(6).toString('hex');
  const max = TASK_ID_MAX_BYTES - nonce.length - 1;
  const base = cardId.replace(/[^0-9A-Za-z_\-@]/g, '_').slice(0, max);
  return `${base}@${nonce}`;
}

/** The card id a task_id was made from (`taskIdFor`); a task_id without `@` is the card id itself. */
export function cardIdOfTask(taskId: string): string {
  const at = taskId.lastIndexOf('@');
  return at > 0 ? taskId.slice(0, at) : taskId;
}

/** The `msgtype`-specific part of a `message/send` body for `m` (no touser / agentid). */
export function appMessageBody(
  m: OutboundMessage,
  nameOf: (userId: string) => string | undefined,
  taskId?: string,
): Record<string, unknown> {
  const text = appPlainText(m.text ?? '', nameOf);
  // a card without buttons (decided, all acknowledged) is text: button_interaction needs a button
  if (m.card && !m.card.buttons.length) {
    const lines = [
      m.card.title,
      m.card.description ?? '',
      ...(m.card.fields ?? []).map((f) => `${f.label}：${f.value}`),
    ];
    const all = [text, appPlainText(lines.filter(Boolean).join('\n'), nameOf)].filter(Boolean).join('\n\n');
    return { msgtype: 'text', text: { content: truncateUtf8(all, APP_TEXT_MAX_BYTES) } };
  }
  if (m.card) {
    return { msgtype: 'template_card', template_card: appCard(m.card, taskId ?? taskIdFor(m.card.id), text) };
  }
  return { msgtype: 'text', text: { content: truncateUtf8(text || ' ', APP_TEXT_MAX_BYTES) } };
}

/**
 * A neutral card as the app's template card, with `taskId` and the text as sub-title. A card
 * without buttons (a decision was made) gets `replace_text` instead: WeCom shows it where the
 * buttons were. `replaceText` forces that (the clicker's own copy after the click).
 */
export function appCard(card: Card, taskId: string, subTitle?: string, replaceText?: string): AppTemplateCard {
  const out: AppTemplateCard = { ...toTemplateCard(card), task_id: taskId };
  const sub = subTitle ? cutChars(subTitle, APP_CARD_SUBTITLE_MAX_CHARS) : '';
  if (sub) out.sub_title_text = sub;
  else delete out.sub_title_text;
  if (replaceText || !out.button_list.length) {
    out.button_list = [];
    out.replace_text = replaceText ?? '已处理';
  }
  return out;
}

/** The app's template card: the common shape plus `replace_text` (shown instead of the buttons [94888]). */
export type AppTemplateCard = WeComTemplateCard & { replace_text?: string };

function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}
