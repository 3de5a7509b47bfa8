/**
 * Plaintext bodies the AI bot can answer a callback with [101031], and the bodies it can POST to a
 * callback's `response_url` [101138]. All markdown is byte-limited (see render-markdown.ts).
 */
import type { Card, OutboundMessage } from '../../types.js';
import { cardToMarkdown, toTemplateCard, type WeComTemplateCard } from './render-card.js';
import { joinParts, renderMessageText, STREAM_CONTENT_MAX_BYTES, truncateUtf8 } from './render-markdown.js';

/** `{"msgtype":"stream", ...}` with `finish: true` (one complete answer, no follow-up refresh). */
export interface StreamReply {
  msgtype: 'stream';
  stream: { id: string; finish: true; content: string };
}
/** Stream text plus one template card [101031]. */
export interface StreamWithCardReply {
  msgtype: 'stream_with_template_card';
  stream: { id: string; finish: true; content: string };
  template_card: WeComTemplateCard;
}
/** A card alone (reply to a message whose replies carry no text). */
export interface TemplateCardReply {
  msgtype: 'template_card';
  template_card: WeComTemplateCard;
}
/** Passive answer to a `template_card_event`: replace the clicked card (all users) [101031]. */
export interface CardUpdateReply {
  response_type: 'update_template_card';
  template_card: WeComTemplateCard;
}
/** Greeting for `enter_chat` (text is the only type allowed besides a card) [101031]. */
export interface GreetingReply {
  msgtype: 'text';
  text: { content: string };
}
/** Body POSTed once to a `response_url` [101138]. */
export type ResponseUrlBody =
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: WeComTemplateCard };

/** Answers to a message callback. */
export type MessageReply = StreamReply | StreamWithCardReply | TemplateCardReply;
/** Any passive answer. */
export type PassiveReply = MessageReply | CardUpdateReply | GreetingReply;

/**
 * Merges everything a handler replied within the passive window into ONE answer: texts (with
 * `<@userid>` mentions) joined by blank lines; the first card becomes the template card (a
 * `stream_with_template_card`, or a bare `template_card` when there is no text), any further
 * cards are appended as markdown. Content is cut to 20480 UTF-8 bytes. Returns undefined when
 * there is nothing to say.
 */
export function buildMessageReply(messages: readonly OutboundMessage[], streamId: string): MessageReply | undefined {
  if (messages.length === 0) return undefined;
  let card: Card | undefined;
  const parts: string[] = [];
  for (const m of messages) {
    parts.push(renderMessageText(m));
    if (m.card && !card) card = m.card;
    else if (m.card) parts.push(cardToMarkdown(m.card));
  }
  const content = truncateUtf8(joinParts(parts), STREAM_CONTENT_MAX_BYTES);
  if (card && !content) return { msgtype: 'template_card', template_card: toTemplateCard(card) };
  if (card)
    return {
      msgtype: 'stream_with_template_card',
      stream: { id: streamId, finish: true, content },
      template_card: toTemplateCard(card),
    };
  if (!content) return undefined;
  return { msgtype: 'stream', stream: { id: streamId, finish: true, content } };
}

/** The passive card update for a click: the whole card replaced for everyone (no `userids`). */
export function buildCardUpdateReply(card: Card): CardUpdateReply {
  return { response_type: 'update_template_card', template_card: toTemplateCard(card) };
}

/** The `enter_chat` greeting. */
export function buildGreetingReply(text: string): GreetingReply {
  return { msgtype: 'text', text: { content: text } };
}

/** Whether a message @-mentions anyone (a mention list or an `@{userid}` token in its text). */
export function hasMentions(m: OutboundMessage): boolean {
  return (m.mentions?.length ?? 0) > 0 || /@\{[^{}\s]+\}/.test(m.text);
}

/**
 * One message for a `response_url` (issue 12 item 2: mentions always notify, card fields never show
 * raw markdown):
 * - no card: markdown with `<@userid>` mentions;
 * - a card and nobody to mention: the template card (buttons stay clickable), the text as plain
 *   `sub_title_text`;
 * - a card and people to mention, `cardOnly` false: markdown — the text with its `<@userid>`
 *   mentions, then the card as markdown with its buttons as command hints (a template card cannot
 *   mention, and the url takes one message);
 * - `cardOnly` true (the caller sends the mention text another way, e.g. the webhook robot): the
 *   template card alone, without sub-title.
 * Content is cut to 20480 bytes.
 */
export function buildResponseUrlBody(m: OutboundMessage, cardOnly = false): ResponseUrlBody {
  if (m.card && cardOnly) return { msgtype: 'template_card', template_card: toTemplateCard(m.card) };
  if (m.card && !hasMentions(m)) return { msgtype: 'template_card', template_card: toTemplateCard(m.card, m.text) };
  const parts = [renderMessageText(m), m.card ? cardToMarkdown(m.card) : ''];
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(joinParts(parts), STREAM_CONTENT_MAX_BYTES) } };
}
