// The sandbox page: pick a conversation and a speaker, send messages, watch the bot answer.
// Talks only to /api/sandbox/*; live updates come over Server-Sent Events. Times are shown in the
// business time zone from /api/sandbox/meta. Rendering helpers live in render.js.
import { renderMessage, roleLabel } from './render.js';

const $ = (id) => document.getElementById(id);
const state = {
  meta: null,
  chats: [],
  people: new Map(),
  conv: null,
  speakers: new Map(),
  messages: [],
  source: null,
  fresh: null,
};

async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || `请求失败（${res.status}）`);
  return body;
}

function setStatus(text, kind = 'info') {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

function conversations() {
  const chats = state.chats.map((c) => ({
    id: c.id,
    kind: 'chat',
    title: c.name,
    sub: c.unitName,
    members: c.members,
  }));
  const directs = state.meta.people.map((p) => ({
    id: p.directChatId,
    kind: 'direct',
    title: `与${state.meta.botName}的私信 · ${p.name}`,
    sub: p.title || '',
    members: [{ ...p, roles: [] }],
    person: p,
  }));
  return { chats, directs };
}

function listItem(conv, label, sub) {
  const li = document.createElement('li');
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'conv-item';
  btn.dataset.convId = conv.id;
  const name = document.createElement('span');
  name.className = 'conv-name';
  name.textContent = label;
  btn.append(name);
  if (sub) {
    const s = document.createElement('span');
    s.className = 'conv-sub';
    s.textContent = sub;
    btn.append(s);
  }
  btn.addEventListener('click', () => openConversation(conv));
  li.append(btn);
  return li;
}

function renderSidebar() {
  const { chats, directs } = conversations();
  $('chat-list').replaceChildren(...chats.map((c) => listItem(c, c.title, c.sub)));
  $('direct-list').replaceChildren(...directs.map((d) => listItem(d, d.person.name, d.sub)));
}

function currentSpeaker() {
  return state.conv ? state.speakers.get(state.conv.id) : undefined;
}

function renderPeople() {
  const box = $('people');
  if (!state.conv) {
    box.replaceChildren();
    return;
  }
  const selected = currentSpeaker();
  box.replaceChildren(
    ...state.conv.members.map((m) => {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'person';
      btn.dataset.personId = m.id;
      btn.setAttribute('aria-pressed', String(m.id === selected));
      if (m.title) btn.title = m.title;
      const name = document.createElement('span');
      name.className = 'person-name';
      name.textContent = m.name;
      btn.append(name);
      for (const role of m.roles) {
        const badge = document.createElement('span');
        badge.className = `badge role-${role}`;
        badge.textContent = roleLabel(role);
        btn.append(badge);
      }
      btn.addEventListener('click', () => {
        state.speakers.set(state.conv.id, m.id);
        renderPeople();
        renderMessages();
        $('input').focus();
      });
      return btn;
    }),
  );
}

function renderCtx() {
  return {
    people: state.people,
    botName: state.meta.botName,
    timezone: state.meta.timezone,
    self: currentSpeaker(),
    onCardButton: clickCardButton,
  };
}

function nearBottom() {
  const el = $('messages');
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
}

function renderMessages() {
  const el = $('messages');
  if (state.messages.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.textContent = '还没有消息。试试发送 /帮助 看看机器人能做什么。';
    el.replaceChildren(empty);
    return;
  }
  const ctx = renderCtx();
  el.replaceChildren(...state.messages.map((m) => renderMessage(m, ctx)));
  el.scrollTop = el.scrollHeight;
}

function upsert(message) {
  if (state.fresh) state.fresh.set(message.id, message);
  const i = state.messages.findIndex((m) => m.id === message.id);
  // Follow the conversation at the bottom, and always right after you acted (sent or clicked),
  // so the bot's answer shows even if you had scrolled up to press an older card's button.
  const stick = nearBottom() || Date.now() < (state.followUntil ?? 0);
  if (i >= 0) {
    state.messages[i] = message;
    const old = $('messages').querySelector(`[data-id="${CSS.escape(message.id)}"]`);
    if (old) old.replaceWith(renderMessage(message, renderCtx()));
    return;
  }
  state.messages.push(message);
  if (state.messages.length === 1) {
    renderMessages();
    return;
  }
  $('messages').append(renderMessage(message, renderCtx()));
  if (stick) $('messages').scrollTop = $('messages').scrollHeight;
}

async function loadHistory(convId) {
  state.fresh = new Map();
  const history = await api(`/api/sandbox/chats/${encodeURIComponent(convId)}/messages`);
  if (state.conv?.id !== convId) return;
  const known = new Set(history.map((m) => m.id));
  const later = [...state.fresh.values()].filter((m) => !known.has(m.id));
  state.fresh = null;
  state.messages = history.concat(later);
  renderMessages();
}

function setLive(stateName, text) {
  const el = $('live');
  el.dataset.state = stateName;
  el.textContent = text;
}

function connect(convId) {
  if (state.source) state.source.close();
  const source = new EventSource(`/api/sandbox/chats/${encodeURIComponent(convId)}/stream`);
  state.source = source;
  const onData = (e) => {
    if (state.source === source) upsert(JSON.parse(e.data));
  };
  source.addEventListener('message', onData);
  source.addEventListener('update', onData);
  source.addEventListener('open', () => {
    setLive('open', '实时连接');
    loadHistory(convId).catch((err) => setStatus(err.message, 'error'));
  });
  source.addEventListener('error', () => setLive('retry', '连接中断，正在重连…'));
}

function openConversation(conv) {
  state.conv = conv;
  state.messages = [];
  if (!state.speakers.has(conv.id) && conv.members.length > 0) state.speakers.set(conv.id, conv.members[0].id);
  for (const b of document.querySelectorAll('.conv-item'))
    b.setAttribute('aria-current', String(b.dataset.convId === conv.id));
  $('chat-title').textContent = conv.title;
  $('chat-sub').textContent =
    conv.kind === 'chat' ? `${conv.sub} · ${conv.members.length} 名成员` : '一对一私信（只能以本人身份发言）';
  $('input').disabled = false;
  $('send').disabled = false;
  setStatus('');
  setLive('idle', '连接中…');
  renderPeople();
  renderMessages();
  connect(conv.id);
  $('input').focus();
}

async function send() {
  const input = $('input');
  const text = input.value.trim();
  if (!state.conv || text.length === 0) return;
  const userId = currentSpeaker();
  if (!userId) {
    setStatus('请先选择发言身份', 'error');
    return;
  }
  $('send').disabled = true;
  state.followUntil = Date.now() + 5000;
  $('messages').scrollTop = $('messages').scrollHeight;
  try {
    await api('/api/sandbox/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ chatId: state.conv.id, userId, text }),
    });
    input.value = '';
    setStatus('');
  } catch (err) {
    setStatus(err.message, 'error');
  } finally {
    $('send').disabled = false;
    input.focus();
  }
}

async function clickCardButton(card, button, el, messageId) {
  const userId = currentSpeaker();
  if (!userId) {
    setStatus('请先选择发言身份', 'error');
    return;
  }
  el.disabled = true;
  state.followUntil = Date.now() + 5000;
  try {
    await api(`/api/sandbox/cards/${encodeURIComponent(card.id)}/actions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId, key: button.key, messageId }),
    });
    setStatus(`已以「${state.people.get(userId)?.name ?? userId}」的身份点击「${button.text}」`);
  } catch (err) {
    setStatus(err.message, 'error');
    el.disabled = false;
  }
}

function renderHints() {
  const seen = new Set();
  const hints = state.meta.commandHints.filter((h) => !seen.has(h.trim()) && seen.add(h.trim()));
  $('hints').replaceChildren(
    ...hints.map((hint) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'hint';
      b.textContent = hint.trim();
      b.addEventListener('click', () => {
        const input = $('input');
        if (input.disabled) return;
        input.value = hint + (input.value.startsWith(hint) ? input.value.slice(hint.length) : input.value);
        input.focus();
      });
      return b;
    }),
  );
}

async function main() {
  state.meta = await api('/api/sandbox/meta');
  state.chats = await api('/api/sandbox/chats');
  for (const p of state.meta.people) state.people.set(p.id, p);
  for (const c of state.chats) for (const m of c.members) state.people.set(m.id, { ...state.people.get(m.id), ...m });
  $('bot-name').textContent = state.meta.botName;
  document.title = `本地沙盒 · ${state.meta.botName}`;
  $('input').maxLength = state.meta.maxTextLength;
  renderSidebar();
  renderHints();
  $('composer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  $('input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  });
  document.body.dataset.ready = 'true';
}

main().catch((err) => setStatus(`加载失败：${err.message}`, 'error'));
