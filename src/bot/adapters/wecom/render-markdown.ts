/**
 * Markdown rendering for WeCom: mentions in `<@userid>` form and byte-safe truncation.
 * Limits (UTF-8 bytes): AI-bot stream content 20480 [101031]; webhook markdown 4096 [91770].
 */
import type { OutboundMessage } from '../../types.js';

/** Max UTF-8 bytes of an AI-bot `stream.content` [101031]. */
export const STREAM_CONTENT_MAX_BYTES = 20480;
/** Max UTF-8 bytes of a webhook robot `markdown.content` [91770]. */
export const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;
/** Appended where text was cut. */
export const ELLIPSIS = '…';

const TOKEN_RE = /@\{([^{}\s]+)\}/g;

/** UTF-8 byte length. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Renders `@{userId}` tokens as `<@userId>` (WeCom markdown mention, wecom.md §2) and appends the
 * `mentions` that have no token, space-separated on a last line. Duplicates are mentioned once.
 * Literal `<@` in the text (user text echoed back) is defused to `<＠`: only tokens mention.
 */
export function renderMentions(text: string, mentions: readonly string[] = []): string {
  const tokened = new Set<string>();
  // A literal `<@…>` can only come from user text echoed by the bot: defuse it so it cannot @-mention.
  const body = text.replace(/<@/g, '<＠').replace(TOKEN_RE, (_m, id: string) => {
    tokened.add(id);
    return `<@${id}>`;
  });
  const rest = [...new Set(mentions)].filter((id) => id && !tokened.has(id));
  if (rest.length === 0) return body;
  const tail = rest.map((id) => `<@${id}>`).join(' ');
  return body.length ? `${body}\n${tail}` : tail;
}

/**
 * Cuts `text` so that it plus `ELLIPSIS` fits in `maxBytes` UTF-8 bytes, at a code-point boundary
 * (never inside a surrogate pair or a multi-byte character), and never leaves half a `<@userid>`
 * mention at the end. Text that fits is returned unchanged.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(ELLIPSIS);
  let used = 0;
  let out = '';
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  const open = out.lastIndexOf('<@');
  if (open >= 0 && out.indexOf('>', open) < 0) out = out.slice(0, open);
  return out + ELLIPSIS;
}

/** Renders one message's text with its mentions (no card). */
export function renderMessageText(m: OutboundMessage): string {
  return renderMentions(m.text ?? '', m.mentions ?? []);
}

/** Joins rendered parts with a blank line, skipping empty parts. */
export function joinParts(parts: readonly string[]): string {
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .join('\n\n');
}
