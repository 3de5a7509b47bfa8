/**
 * Renders the neutral `Card` for WeCom: as a `button_interaction` template card (AI-bot passive
 * replies and response_url [101031, 101138]; layout per [90236, 94888]) or as markdown text for the
 * webhook robot, which cannot carry clickable buttons (wecom.md §0, §2).
 */
import type { Card } from '../../types.js';

/** At most 6 rows in `horizontal_content_list` and 6 buttons in `button_list` [90236]. */
export const MAX_CARD_FIELDS = 6;
export const MAX_CARD_BUTTONS = 6;

/** The WeCom `template_card` object we emit (button_interaction subset). */
export interface WeComTemplateCard {
  card_type: 'button_interaction';
  main_title: { title: string; desc?: string };
  sub_title_text?: string;
  horizontal_content_list?: Array<{ keyname: string; value: string }>;
  task_id: string;
  button_list: Array<{ text: string; style: number; key: string }>;
}

/**
 * Button style numbers (1..4, default 1 [90236]): primary → 1, default → 2, danger → 3.
 * The colour behind each number follows the doc's illustration; only 1..4 is validated by WeCom.
 */
export function buttonStyle(style: Card['buttons'][number]['style']): number {
  if (style === 'danger') return 3;
  if (style === 'default') return 2;
  return 1;
}

/**
 * Neutral card → `button_interaction` template card. `task_id` = `card.id` (so the click's
 * `task_id` maps back to the card), fields → `horizontal_content_list` (<= 6), buttons →
 * `button_list` (<= 6, extra ones dropped). `subTitle` (optional) fills `sub_title_text`.
 */
export function toTemplateCard(card: Card, subTitle?: string): WeComTemplateCard {
  const title = plainCardText(card.title);
  const desc = card.description ? plainCardText(card.description) : '';
  const out: WeComTemplateCard = {
    card_type: 'button_interaction',
    main_title: desc ? { title, desc } : { title },
    task_id: card.id,
    button_list: card.buttons
      .slice(0, MAX_CARD_BUTTONS)
      .map((b) => ({ text: plainCardText(b.text), style: buttonStyle(b.style), key: b.key })),
  };
  const sub = subTitle ? plainCardText(subTitle) : '';
  if (sub) out.sub_title_text = sub;
  const fields = (card.fields ?? []).slice(0, MAX_CARD_FIELDS);
  if (fields.length)
    out.horizontal_content_list = fields.map((f) => ({
      keyname: plainCardText(f.label),
      value: plainCardText(f.value),
    }));
  return out;
}

/**
 * Text for a template-card field, which WeCom shows verbatim (issue 12 item 2: "card fields never
 * show raw markdown"): bold/italic/code markers, `<font …>` tags, heading and quote markers are
 * removed, `[text](url)` becomes `text url`, and mention forms (`<@id>`, `@{id}`) lose their
 * markup (a card cannot mention; the mention goes in a message next to it).
 */
export function plainCardText(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (_m, t: string, u: string) => (t && u ? `${t} ${u}` : t || u))
    .replace(/<\/?font[^>]*>/gi, '')
    .replace(/<@([^<>\s]+)>/g, '@$1')
    .replace(/@\{([^{}\s]+)\}/g, '@$1')
    .replace(/\*\*|__|`/g, '')
    .replace(/^\s{0,3}(#{1,6}\s+|>\s?)/gm, '')
    .trim();
}

/**
 * Card → markdown for channels without buttons (webhook robot): bold title, description, fields as
 * quoted `label：value` lines, then the button labels with a hint to @-mention the bot and type the
 * matching command (Chinese, user-facing). A card carries no mentions: a literal `<@` (an incident
 * title typed by a user) is defused to `<＠` as in `renderMentions`.
 */
export function cardToMarkdown(card: Card): string {
  const lines = [`**${card.title}**`];
  if (card.description) lines.push(card.description);
  for (const f of card.fields ?? []) lines.push(`> ${f.label}：${f.value}`);
  if (card.buttons.length) {
    const labels = card.buttons.map((b) => `【${b.text}】`).join(' ');
    lines.push(`可选操作：${labels}（此消息中的按钮无法点击，请在群内 @机器人 发送对应命令）`);
  }
  return lines.join('\n').replace(/<@/g, '<＠');
}
