/**
 * Rendering for DingTalk: `@{userId}` tokens as the literal `@userId` (which, together with
 * `at.atUserIds`, makes a mention notify, dingtalk.md §2 "@-mentions in markdown"), markdown bodies,
 * and the neutral `Card` as the interactive card's `cardParamMap` (docs/dingtalk-card.md).
 */
import type { Card, OutboundMessage } from '../../types.js';

/** Buttons the card template has slots for (docs/dingtalk-card.md): extra ones are dropped. */
export const CARD_BUTTON_SLOTS = 3;
/** The `cardParamMap` keys the template declares (docs/dingtalk-card.md). Values are strings only. */
export const CARD_PARAM_KEYS = [
  'card_id',
  'title',
  'description',
  'fields',
  ...Array.from({ length: CARD_BUTTON_SLOTS }, (_, i) => [`btn${i + 1}_text`, `btn${i + 1}_key`]).flat(),
] as const;
/** `msgParam` of `sampleMarkdown` may hold at most 15,000 bytes (dingtalk.md §2); we cut the text below that. */
export const MARKDOWN_MAX_BYTES = 12_000;

const TOKEN_RE = /@\{([^{}\s]+)\}/g;

/** A rendered text: markdown with `@userId` literals and the user ids to put in `at.atUserIds`. */
export interface RenderedText {
  title: string;
  text: string;
  atUserIds: string[];
}

/**
 * Renders `m.text` (+ the card as text when `withCard`): tokens become `@userId`, mentions without a
 * token are appended as `@userId` on a last line; `title` is the first line (the notification preview).
 */
export function renderText(m: OutboundMessage, withCard = false): RenderedText {
  const tokened = new Set<string>();
  let body = (m.text ?? '').replace(TOKEN_RE, (_all, id: string) => {
    tokened.add(id);
    return `@${id}`;
  });
  const mentions = [...new Set((m.mentions ?? []).filter(Boolean))];
  const rest = mentions.filter((id) => !tokened.has(id));
  if (rest.length)
    body = body ? `${body}\n${rest.map((id) => `@${id}`).join(' ')}` : rest.map((id) => `@${id}`).join(' ');
  if (withCard && m.card) body = [body, cardToMarkdown(m.card)].filter((s) => s.trim()).join('\n\n');
  const atUserIds = [...new Set([...tokened, ...mentions])];
  const first = (m.card?.title ?? body.split('\n')[0] ?? '').replace(/[*#>]/g, '').trim();
  return {
    title: truncate(first || '舆情助手', 60),
    text: truncate(markdownLines(body), MARKDOWN_MAX_BYTES),
    atUserIds,
  };
}

/** DingTalk markdown needs a blank line (or two trailing spaces) to break a line: keep our line breaks. */
function markdownLines(s: string): string {
  return s.replace(/\n/g, '  \n');
}

/** Card → markdown where no interactive card can go (sessionWebhook, custom robot, no template configured). */
export function cardToMarkdown(card: Card): string {
  const lines = [`**${card.title}**`];
  if (card.description) lines.push(card.description);
  for (const f of card.fields ?? []) lines.push(`> ${f.label}：${f.value}`);
  if (card.buttons.length) {
    lines.push(`可选操作：${card.buttons.map((b) => `【${b.text}】`).join(' ')}（请在群内 @机器人 发送对应命令）`);
  }
  return lines.join('\n');
}

/** The neutral card as the template's `cardParamMap` (string values only, every declared key present). */
export function cardParamMap(card: Card): Record<string, string> {
  const map: Record<string, string> = {
    card_id: card.id,
    title: card.title,
    description: card.description ?? '',
    fields: (card.fields ?? []).map((f) => `**${f.label}**：${f.value}`).join('  \n'),
  };
  for (let i = 0; i < CARD_BUTTON_SLOTS; i++) {
    const b = card.buttons[i];
    map[`btn${i + 1}_text`] = b?.text ?? '';
    map[`btn${i + 1}_key`] = b?.key ?? '';
  }
  return map;
}

/** Cuts to at most `maxBytes` UTF-8 bytes at a code-point boundary, marking the cut with `…`. */
export function truncate(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (used + n > maxBytes - 3) break;
    out += ch;
    used += n;
  }
  return `${out}…`;
}
