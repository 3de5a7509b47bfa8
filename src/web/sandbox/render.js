// Rendering helpers for the sandbox page: message bubbles, mentions, light markdown (**bold**, line
// breaks), cards with buttons, role badges and business-time formatting. DOM is built with
// textContent only (never innerHTML), so message text cannot inject markup.

const ROLE_LABELS = {
  firstResponsible: '第一责任人',
  directResponsible: '直接责任人',
  spokesperson: '发言人',
  office: '办公室',
  leadershipGroup: '领导小组',
  upperAuthority: '上级联络人',
  monitor: '监测员',
};

/** Chinese badge text for a role id (unknown roles are shown as given). */
export function roleLabel(role) {
  return ROLE_LABELS[role] ?? role;
}

const formatters = new Map();

/** Formats an ISO UTC instant as "MM-DD HH:mm" in the IANA zone `timezone` (business time). */
export function formatTime(iso, timezone) {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('zh-CN', {
      timeZone: timezone,
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Appends `text` to `parent`, highlighting the `@name` strings in `names` (longest first). */
function appendWithMentions(parent, text, names) {
  if (names.length === 0) {
    parent.append(text);
    return;
  }
  const pattern = new RegExp(`(${names.map((n) => escapeRegExp(`@${n}`)).join('|')})`, 'g');
  for (const piece of text.split(pattern)) {
    if (piece === '') continue;
    if (names.some((n) => `@${n}` === piece)) parent.append(el('span', 'mention', piece));
    else parent.append(piece);
  }
}

/** Builds the bubble body: `**bold**` spans and highlighted mentions; line breaks kept by CSS. */
function richText(text, names) {
  const box = el('div', 'text');
  text.split('**').forEach((segment, i) => {
    const target = i % 2 === 1 ? el('strong') : box;
    appendWithMentions(target, segment, names);
    if (target !== box) box.append(target);
  });
  return box;
}

function renderCard(card, ctx, messageId) {
  const box = el('div', 'card');
  box.dataset.cardId = card.id;
  box.append(el('div', 'card-title', card.title));
  if (card.description) box.append(richText(card.description, []));
  if (card.fields && card.fields.length > 0) {
    const dl = el('dl', 'card-fields');
    for (const f of card.fields) dl.append(el('dt', '', f.label), el('dd', '', f.value));
    box.append(dl);
  }
  if (card.buttons.length > 0) {
    const row = el('div', 'card-buttons');
    for (const b of card.buttons) {
      const btn = el('button', `card-button ${b.style ? `style-${b.style}` : 'style-default'}`, b.text);
      btn.type = 'button';
      btn.dataset.key = b.key;
      btn.addEventListener('click', () => ctx.onCardButton(card, b, btn, messageId));
      row.append(btn);
    }
    box.append(row);
  }
  return box;
}

/**
 * One message as an <li>. ctx: {people: Map(id → {name}), botName, timezone, self (speaker id),
 * onCardButton(card, button, element)}.
 */
export function renderMessage(m, ctx) {
  const isBot = m.from === 'bot';
  const sender = isBot ? ctx.botName : (ctx.people.get(m.from)?.name ?? m.from);
  const li = el('li', `msg ${isBot ? 'from-bot' : 'from-person'}${m.from === ctx.self ? ' from-self' : ''}`);
  li.dataset.id = m.id;
  li.dataset.from = m.from;
  li.append(el('div', 'avatar', isBot ? '助' : sender.slice(-2)));
  const body = el('div', 'body');
  const meta = el('div', 'meta');
  meta.append(el('span', 'sender', sender), el('time', 'at', formatTime(m.at, ctx.timezone)));
  meta.lastChild.dateTime = m.at;
  body.append(meta);
  const names = m.mentions.map((id) => ctx.people.get(id)?.name ?? id);
  if (!isBot) names.push(ctx.botName);
  names.sort((a, b) => b.length - a.length);
  if (m.text) body.append(Object.assign(richText(m.text, names), { className: 'bubble text' }));
  if (m.card) body.append(renderCard(m.card, ctx, m.id));
  li.append(body);
  return li;
}
