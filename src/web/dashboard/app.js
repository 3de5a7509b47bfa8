// The office's web view (issue 11). Plain ES module, no framework. Every piece of data comes from
// /api/* with `Authorization: Bearer <token>`; the token is asked for once and kept in
// sessionStorage (this tab only). Times arrive already formatted in business time by the server,
// so the browser's own zone never matters. Text is set with textContent only (no HTML injection).
import { drawCharts, resizeCharts } from './charts.js';

const KEY = 'yuqing-dashboard-token';
const $ = (id) => document.getElementById(id);
let meta = null;

/** Builds an element: el('td', {className: 'num'}, 'text', child, …). */
function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

function showError(msg) {
  const b = $('error');
  b.textContent = msg;
  b.hidden = !msg;
  if (msg)
    setTimeout(() => {
      if (b.textContent === msg) b.hidden = true;
    }, 6000);
}

async function api(path, opts = {}) {
  const res = await fetch(path, {
    ...opts,
    headers: { authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ''}`, ...(opts.headers ?? {}) },
  });
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    showLogin('令牌无效或已失效，请重新输入。');
    throw new Error('unauthorised');
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const msg = body.message ?? `请求失败（${res.status}）`;
    showError(msg);
    throw new Error(msg);
  }
  return opts.raw ? res : res.json();
}

function showLogin(message = '') {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, $('token').value.trim());
  $('token').value = '';
  await start();
});
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  showLogin();
});

function fillSelect(select, items) {
  for (const it of items) select.append(el('option', { value: it.id }, it.name));
}

async function start() {
  if (!sessionStorage.getItem(KEY)) return showLogin();
  try {
    meta = await api('/api/dashboard/meta');
  } catch {
    return;
  }
  $('login').hidden = true;
  $('app').hidden = false;
  $('bot-name').textContent = meta.botName;
  $('who').textContent = meta.who.kind === 'admin' ? '管理员' : `${meta.who.name}（只读）`;
  // options after the fixed first ones (全部; 未办结 for the status), rebuilt on each login
  const refill = (id, keep, items) => {
    const select = $(id);
    while (select.options.length > keep) select.remove(keep);
    fillSelect(select, items);
    select.value = '';
  };
  refill('f-unit', 1, meta.units);
  refill(
    'f-level',
    1,
    meta.levels.map((l) => ({ id: l.id, name: `${l.name}（${l.id}）` })),
  );
  refill('f-category', 1, meta.categories);
  refill('f-status', 2, meta.statuses);
  $('tab-delivery').hidden = !meta.canSeeDelivery;
  const month = meta.today.slice(0, 7);
  if (!$('a-month').value) $('a-month').value = month;
  route();
}

// ---- routing: #list, #incident/ID, #charts, #assessment, #delivery
window.addEventListener('hashchange', () => route());
function route() {
  if (!meta) return;
  const [tab, arg] = (location.hash.slice(1) || 'list').split('/');
  const view = ['list', 'incident', 'charts', 'assessment', 'delivery'].includes(tab) ? tab : 'list';
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== `view-${view}`;
  for (const a of document.querySelectorAll('.tabs a'))
    a.classList.toggle('active', a.dataset.tab === (view === 'incident' ? 'list' : view));
  if (view === 'list') loadList();
  if (view === 'incident') loadIncident(decodeURIComponent(arg ?? ''));
  if (view === 'charts') loadCharts();
  if (view === 'assessment') loadAssessment();
  if (view === 'delivery') loadDelivery();
}

// ---- incident list
function filterQuery() {
  const f = new FormData($('filters'));
  const q = new URLSearchParams();
  for (const [k, v] of f.entries()) if (v) q.set(k, String(v));
  return q;
}
$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadList();
});

async function loadList() {
  const data = await api(`/api/incidents?${filterQuery()}`).catch(() => null);
  if (!data) return;
  const rows = data.incidents.map((i) =>
    el(
      'tr',
      { className: 'row', dataset: { id: i.id }, tabIndex: 0 },
      el('td', {}, el('a', { href: `#incident/${encodeURIComponent(i.id)}` }, i.id)),
      el('td', { className: 'wrap' }, i.title, i.overdue ? el('span', { className: 'late' }, ' 超时') : null),
      el('td', { className: 'opt' }, i.unit),
      el('td', {}, el('span', { className: `tag ${i.colour}` }, i.levelName)),
      el('td', { className: 'opt' }, i.categoryName),
      el('td', {}, i.statusName),
      el('td', { className: 'opt' }, i.reportedAt),
    ),
  );
  for (const r of rows) {
    r.addEventListener('click', (ev) => {
      if (ev.target.tagName !== 'A') location.hash = `#incident/${encodeURIComponent(r.dataset.id)}`;
    });
    r.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') location.hash = `#incident/${encodeURIComponent(r.dataset.id)}`;
    });
  }
  $('incident-table').tBodies[0].replaceChildren(...rows);
  const overdue = data.incidents.filter((i) => i.overdue).length;
  $('list-summary').textContent = data.incidents.length
    ? `共 ${data.incidents.length} 件${data.incidents.length >= data.limit ? `（仅显示最新 ${data.limit} 件，请缩小范围）` : ''}，其中超时 ${overdue} 件`
    : '没有符合条件的事件';
}

// ---- export (fetch with the token, then save the file)
async function download(format) {
  const q = new URLSearchParams();
  for (const k of ['unit', 'from', 'to']) {
    const v = $(`f-${k}`).value;
    if (v) q.set(k, v);
  }
  q.set('format', format);
  const res = await api(`/api/incidents/export?${q}`, { raw: true }).catch(() => null);
  if (!res) return;
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename\*=UTF-8''([^;]+)/.exec(cd);
  const a = el('a', { href: URL.createObjectURL(blob), download: m ? decodeURIComponent(m[1]) : `台账.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
$('export-xlsx').addEventListener('click', () => download('xlsx'));
$('export-csv').addEventListener('click', () => download('csv'));

// ---- one incident
const MS_STATE = {
  met: ['已完成', 'ok'],
  late: ['超时完成', 'late'],
  open: ['未到期', ''],
  breached: ['已超时', 'late'],
  cancelled: ['已取消', 'muted'],
};

function card(title, ...body) {
  return el('section', { className: 'card' }, el('h2', {}, title), ...body);
}

async function loadIncident(id) {
  const box = $('incident');
  box.replaceChildren(el('p', { className: 'muted' }, '加载中…'));
  const d = await api(`/api/incidents/${encodeURIComponent(id)}`).catch(() => null);
  if (!d) return box.replaceChildren(el('p', {}, '找不到该事件，或您无权查看。'));
  const i = d.incident;
  const facts = [
    ['单位', i.unit],
    ['级别', el('span', { className: `tag ${i.colour}` }, i.levelName)],
    ['类别', i.category],
    ['状态', i.statusName],
    ['来源', i.source],
    ['上报人', i.reporter],
    ['发现时间', i.foundAt],
    ['上报时间', i.reportedAt],
    ['办结时间', i.closedAt ?? '—'],
    [
      '链接',
      i.sourceUrl ? el('a', { href: i.sourceUrl, rel: 'noopener noreferrer', target: '_blank' }, i.sourceUrl) : '—',
    ],
  ];
  const summary = card(
    '概况',
    el(
      'dl',
      { className: 'facts' },
      facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
    ),
    el('p', { className: 'wrap' }, i.description),
  );
  const people = card(
    '责任人与签收',
    el(
      'table',
      { className: 'grid' },
      el('thead', {}, el('tr', {}, el('th', {}, '角色'), el('th', {}, '姓名'), el('th', {}, '签收'))),
      el(
        'tbody',
        {},
        d.people.map((p) =>
          el(
            'tr',
            {},
            el('td', {}, p.role),
            el('td', {}, p.name),
            el(
              'td',
              { className: p.ackAt ? 'ok' : p.mustAck ? 'late' : 'muted' },
              p.ackAt ? `已签收 ${p.ackAt}` : p.mustAck ? '未签收' : '—',
            ),
          ),
        ),
      ),
    ),
  );
  const ms = card(
    '时限',
    d.milestones.length
      ? el(
          'div',
          { className: 'scroll' },
          el(
            'table',
            { className: 'grid' },
            el(
              'thead',
              {},
              el('tr', {}, el('th', {}, '事项'), el('th', {}, '应完成'), el('th', {}, '完成'), el('th', {}, '状态')),
            ),
            el(
              'tbody',
              {},
              d.milestones.map((m) =>
                el(
                  'tr',
                  {},
                  el('td', { className: 'wrap' }, m.name),
                  el('td', {}, m.dueAt),
                  el('td', {}, m.metAt ?? '—'),
                  el(
                    'td',
                    { className: MS_STATE[m.state]?.[1] ?? '' },
                    MS_STATE[m.state]?.[0] ?? m.state,
                    m.breachedAt ? `（违约 ${m.breachedAt}）` : '',
                  ),
                ),
              ),
            ),
          ),
        )
      : el('p', { className: 'muted' }, '无'),
  );
  const breaches = d.breaches.length
    ? card(
        '违约',
        el(
          'ul',
          {},
          d.breaches.map((b) =>
            el('li', {}, `${b.at} ${b.milestone}：${b.people.join('、')}（${b.grade}）${b.note ? ` ${b.note}` : ''}`),
          ),
        ),
      )
    : null;
  const versions = d.versions.length
    ? card(
        '审批与版本',
        d.versions.map((v) =>
          el(
            'div',
            {},
            el(
              'p',
              {},
              el('strong', {}, `${v.kind} 第 ${v.version} 版`),
              ` ${v.state}｜${v.author} ${v.submittedAt} 提交`,
              v.decidedBy ? `｜${v.decidedBy} ${v.decidedAt}` : '',
              v.reason ? `｜理由：${v.reason}` : '',
            ),
            el('pre', { className: 'draft' }, v.text),
          ),
        ),
      )
    : null;
  const timeline = card(
    `台账（${d.ledger.length} 条）`,
    el(
      'ol',
      { className: 'timeline' },
      d.ledger.map((e) => el('li', {}, e.text)),
    ),
  );
  timeline.classList.add('full');
  ms.classList.add('full');
  box.replaceChildren(
    el('div', { className: 'incident-head' }, el('h1', {}, `${i.id} ${i.title}`)),
    el('div', { className: 'cards' }, summary, people, ms, breaches, versions, timeline),
  );
}

// ---- charts
$('chart-filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadCharts();
});
async function loadCharts() {
  const q = new URLSearchParams();
  if ($('c-from').value) q.set('from', $('c-from').value);
  if ($('c-to').value) q.set('to', $('c-to').value);
  const data = await api(`/api/dashboard/charts?${q}`).catch(() => null);
  if (data) drawCharts(data);
}
window.addEventListener('resize', () => resizeCharts());

// ---- assessment
$('assess-filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadAssessment();
});
/** Minutes as the chat reports write them (src/reports/figures.ts formatMinutes): 不足1分, 35分, 2小时5分. */
const mins = (m) => {
  if (m === null) return '—';
  const r = Math.round(m);
  if (m > 0 && r < 1) return '不足1分';
  return r < 60 ? `${r}分` : `${Math.floor(r / 60)}小时${r % 60}分`;
};
const pct = (n, d) => (d ? `${n}/${d}（${Math.round((n / d) * 1000) / 10}%）` : '—');
function assessTable(table, rows, first) {
  const head = [
    first,
    '处置',
    '办结',
    '处置率',
    '签收中位',
    '签收P90',
    '按时完成率',
    '违约（轻微/重大）',
    '迟报/漏报',
    '值班报告',
  ];
  table.replaceChildren(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        head.map((h, k) => el('th', { className: k ? 'num' : '' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          el('td', {}, r.name),
          el('td', { className: 'num' }, r.incidents),
          el('td', { className: 'num' }, r.handled),
          el('td', { className: 'num' }, pct(r.handled, r.incidents)),
          el('td', { className: 'num' }, mins(r.ackMedianMinutes)),
          el('td', { className: 'num' }, mins(r.ackP90Minutes)),
          el('td', { className: 'num' }, pct(r.onTime, r.dueTotal)),
          el('td', { className: 'num' }, `${r.breachesMinor}/${r.breachesMajor}`),
          el('td', { className: 'num' }, `${r.reportsLate}/${r.reportsMissed}`),
          el('td', { className: 'num' }, r.duty ? pct(r.duty.filed, r.duty.total) : '—'),
        ),
      ),
    ),
  );
}
async function loadAssessment() {
  const month = $('a-month').value || meta.today.slice(0, 7);
  const data = await api(`/api/dashboard/assessment?month=${encodeURIComponent(month)}`).catch(() => null);
  if (!data) return;
  assessTable($('assess-units'), data.units, '单位');
  assessTable($('assess-people'), data.people, '人员');
}

// ---- delivery health (admin)
function outboxTable(table, rows, withRetry) {
  const head = ['编号', '平台', '目的地', '事件', '尝试', '时间', '错误', ...(withRetry ? [''] : [])];
  table.replaceChildren(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        head.map((h) => el('th', {}, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.length
        ? rows.map((r) =>
            el(
              'tr',
              {},
              el('td', {}, r.id),
              el('td', {}, r.platform),
              el('td', {}, r.destination),
              el('td', {}, r.incidentId ?? '—'),
              el('td', { className: 'num' }, r.attempts),
              el('td', {}, r.deadAt ?? r.nextAttemptAt ?? r.createdAt),
              el('td', { className: 'wrap' }, r.lastError ?? ''),
              withRetry ? el('td', {}, retryButton(r.id)) : null,
            ),
          )
        : el('tr', {}, el('td', { colSpan: head.length, className: 'muted' }, '无')),
    ),
  );
}
function retryButton(id) {
  const b = el('button', { type: 'button', className: 'secondary', dataset: { retry: id } }, '重发');
  b.addEventListener('click', () => retry(id));
  return b;
}
async function retry(id) {
  const r = await api(`/api/outbox/${id}/retry`, { method: 'POST' }).catch(() => null);
  if (r) showError(`已重新放入发送队列：${r.requeued} 条`);
  loadDelivery();
}
$('retry-all').addEventListener('click', () => retry('all'));
async function loadDelivery() {
  const [dead, pending] = await Promise.all([api('/api/outbox?state=dead'), api('/api/outbox?state=pending')]).catch(
    () => [null, null],
  );
  if (!dead) return;
  outboxTable($('dead-table'), dead.rows, true);
  outboxTable($('pending-table'), pending.rows, false);
}

start();
