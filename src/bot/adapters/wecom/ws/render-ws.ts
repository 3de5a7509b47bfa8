/**
 * Bodies of `aibot_send_msg` (the AI bot's proactive post over the long connection, wecom.md §1c;
 * the SDK takes markdown or template_card). Mentions notify only in markdown `<@userid>` form
 * (wecom.md §2, §6.6: never markdown_v2, never plain names) and a template card cannot carry one,
 * so a card with text goes as TWO frames: the text as markdown (with the mentions), then the card.
 */
import type { OutboundMessage } from '../../../types.js';
import { toTemplateCard, type WeComTemplateCard } from '../render-card.js';
import { renderMessageText, truncateUtf8, WEBHOOK_MARKDOWN_MAX_BYTES } from '../render-markdown.js';

/**
 * Max UTF-8 bytes of an `aibot_send_msg` markdown. The brief gives no figure for this command:
 * we assume the webhook robot's 4096 [91770] (the outbox merges up to `mergeMaxBytes` 4000).
 */
export const WS_SEND_MARKDOWN_MAX_BYTES = WEBHOOK_MARKDOWN_MAX_BYTES;

/** One `aibot_send_msg` body without its `chatid`. */
export type WsSendBody =
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: WeComTemplateCard };

/**
 * The frames for one message, in order: the markdown text with `<@userid>` mentions (when there is
 * text or a mention), then the card as a `button_interaction` template card (when there is one).
 */
export function wsSendBodies(m: OutboundMessage): WsSendBody[] {
  const out: WsSendBody[] = [];
  const text = renderMessageText(m).trim();
  if (text) out.push({ msgtype: 'markdown', markdown: { content: truncateUtf8(text, WS_SEND_MARKDOWN_MAX_BYTES) } });
  if (m.card) out.push({ msgtype: 'template_card', template_card: toTemplateCard(m.card) });
  return out;
}
