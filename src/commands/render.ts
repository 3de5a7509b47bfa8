/**
 * Chinese rendering of incidents and ledger entries for `/查看` and `/列表` (business time zone).
 */
import { type Directory, ROLE_NAMES } from '../domain/Directory.js';
import type { IncidentView } from '../domain/IncidentService.js';
import { levelLabel, STATUS_NAMES } from '../domain/messages.js';
import type { DeliveryStatus } from '../domain/ports.js';
import type { Incident, LedgerEntry, LedgerKind, MilestoneRecord } from '../domain/types.js';

type Payload = Record<string, unknown>;

const str = (x: unknown) => (x === undefined || x === null ? '' : String(x));
const names = (dir: Directory, ids: unknown) =>
  Array.isArray(ids) ? ids.map((p) => dir.nameOf(String(p))).join('、') : '';
const gradeName = (g: unknown) => (g === 'major' ? '重大违约' : '轻微违约');
const milestoneName = (p: Payload) => `「${str(p.name ?? p.key)}」`;

/**
 * The one table of ledger kinds (issue 10 item 3): every `LedgerKind` has a Chinese label and a
 * function that renders its content from the payload (older payloads without the newer fields
 * still render). `hidden` kinds are left out of the default `/查看` (shown with `/查看 <编号> 全部`).
 */
export const LEDGER_LABELS: Record<
  LedgerKind,
  { label: string; content: (p: Payload, dir: Directory) => string; hidden?: boolean }
> = {
  'incident.opened': {
    label: '上报',
    content: (p, dir) => `${str(p.title)}${p.level ? `（${levelName(dir, p.level)}）` : ''}`,
  },
  'incident.acknowledged': {
    label: '签收',
    content: (p) => (p.role ? str(ROLE_NAMES[p.role as keyof typeof ROLE_NAMES] ?? p.role) : ''),
  },
  'incident.level_changed': {
    label: '定级',
    content: (p, dir) =>
      p.from === p.to ? `确认为 ${levelName(dir, p.to)}` : `${levelName(dir, p.from)} → ${levelName(dir, p.to)}`,
  },
  'incident.category_changed': {
    label: '分类',
    content: (p, dir) => dir.category(str(p.to))?.name ?? str(p.to),
  },
  'incident.status_changed': {
    label: '状态',
    content: (p) =>
      `${STATUS_NAMES[p.from as Incident['status']] ?? str(p.from)} → ${STATUS_NAMES[p.to as Incident['status']] ?? str(p.to)}`,
  },
  'incident.note': {
    label: '进展',
    content: (p) => (p.milestone ? `${str(p.text)}（完成事项的说明）` : str(p.text)),
  },
  'incident.assigned': {
    label: '指派',
    content: (p, dir) => `${dir.nameOf(str(p.personId))}（${str(p.role)}）`,
  },
  'incident.closed': {
    label: '办结',
    content: (p) =>
      `${str(p.summary)}${Array.isArray(p.unmet) && p.unmet.length ? `（确认时未完成：${p.unmet.map(String).join('、')}）` : ''}`,
  },
  'incident.reopened': { label: '重开', content: () => '' },
  'incident.feedback': { label: '反馈', content: (p) => str(p.text) },
  'message.sent': {
    label: '发出通知',
    content: (p) => str(p.text).split('\n')[0].replace(/\*\*/g, ''),
    hidden: true,
  },
  'message.queued': {
    label: '通知排队发送',
    content: (p) => str(p.text).split('\n')[0].replace(/\*\*/g, ''),
    hidden: true,
  },
  'message.failed': { label: '消息发送失败', content: (p) => `消息编号 ${str(p.outboxId)}` },
  'message.requeued': { label: '消息重新发送', content: (p) => `消息编号 ${str(p.outboxId)}` },
  'milestone.planned': {
    label: '计算时限',
    content: (p) => `${p.replanned ? '重新计算，' : ''}共 ${str(p.count)} 项`,
  },
  'milestone.met': {
    label: '完成',
    content: (p) => `${milestoneName(p)}${p.late ? '（超时完成）' : ''}${p.note ? `：${str(p.note)}` : ''}`,
  },
  'milestone.reminded': { label: '提醒', content: (p) => milestoneName(p) },
  'milestone.breached': {
    label: '超时',
    content: (p, dir) =>
      `${milestoneName(p)}${p.personIds ? ` 责任人：${names(dir, p.personIds)}` : ''}，记${gradeName(p.grade)}`,
  },
  'milestone.escalated': {
    label: '升级催办',
    content: (p) => `${milestoneName(p)} → ${str(p.targetName ?? p.target)}`,
  },
  'incident.published': {
    label: '发布',
    content: (p) =>
      `${str(p.link)}${p.version ? `（第${str(p.version)}版，SHA-256 ${str(p.sha256).slice(0, 12)}…）` : ''}${p.note ? ` ${str(p.note)}` : ''}`,
  },
  'approval.submitted': {
    label: '送审',
    content: (p) => `${p.kind === 'plan' ? '处置方案' : '稿件'}第${str(p.version)}版`,
  },
  'approval.superseded': {
    label: '版本取代',
    content: (p) => `${p.kind === 'plan' ? '处置方案' : '稿件'}第${str(p.version)}版被第${str(p.by)}版取代`,
  },
  'approval.approved': {
    label: '审批通过',
    content: (p) => `${p.kind === 'plan' ? '处置方案' : '稿件'}第${str(p.version)}版`,
  },
  'approval.rejected': {
    label: '驳回',
    content: (p) => `${p.kind === 'plan' ? '处置方案' : '稿件'}第${str(p.version)}版：${str(p.reason)}`,
  },
  'approval.signed_off': {
    label: '签署意见',
    content: (p) =>
      p.type === 'legal' ? `法务审核：${str(p.opinion)}` : `外部确认（${str(p.body)}）：${str(p.opinion)}`,
  },
  'breach.graded': {
    label: '违约定性',
    content: (p, dir) =>
      `${milestoneName(p)}${p.personIds ? `（${names(dir, p.personIds)}）` : ''} ` +
      `${p.from && p.from !== p.grade ? `${gradeName(p.from)} → ` : ''}${gradeName(p.grade)}${p.note ? `，理由：${str(p.note)}` : ''}`,
  },
  'report.submitted': {
    label: '报送',
    content: (p, dir) =>
      `${dir.reportSettings().upwardReports.find((t) => t.id === p.type)?.name ?? str(p.type)}${p.note ? `：${str(p.note)}` : ''}`,
  },
  'duty.filed': {
    label: '值班报告',
    content: (p) => `${str(p.shiftDate)} 班次：${str(p.findings)}`,
  },
  'duty.missed': {
    label: '值班报告未报',
    content: (p) => `${str(p.shiftDate)} 班次`,
  },
  'duty.escalated': {
    label: '值班报告未报升级',
    content: (p) => `${str(p.shiftDate)} 班次`,
  },
};

function levelName(dir: Directory, id: unknown): string {
  return `${dir.level(str(id))?.name ?? str(id)}（${str(id)}）`;
}

/**
 * One line per ledger entry: `MM-DD HH:mm 姓名 标签：内容` (business time). Null for a hidden kind
 * unless `all`.
 */
export function ledgerLine(dir: Directory, e: LedgerEntry, all = false): string | null {
  const spec = LEDGER_LABELS[e.kind];
  const who = e.actor === 'bot' || e.actor === 'system' ? '系统' : dir.nameOf(e.actor);
  if (!spec) return `${dir.formatShort(e.at)} ${who} ${e.kind}`;
  if (spec.hidden && !all) return null;
  const content = spec.content(e.payload as Payload, dir);
  return `${dir.formatShort(e.at)} ${who} ${spec.label}${content ? `：${content}` : ''}`;
}

const MILESTONE_STATE: Record<MilestoneRecord['state'], string> = {
  open: '未完成',
  met: '已完成',
  cancelled: '已取消',
};

/** One line per milestone: name, due time, state, breach mark. */
export function milestoneLine(dir: Directory, m: MilestoneRecord, now: Date): string {
  const due = dir.formatShort(m.dueAt);
  const late = m.state === 'open' && m.dueAt < now;
  const state =
    m.state === 'met'
      ? `已完成 ${m.metAt ? dir.formatShort(m.metAt) : ''}`.trim()
      : late
        ? '已超时'
        : MILESTONE_STATE[m.state];
  const breach = m.breachedAt && m.state === 'met' ? '（超时完成）' : '';
  return `· ${m.name}：${due} 前｜${state}${breach}`;
}

/** How many ledger lines `/查看` shows (the newest); the full ledger stays in the database. */
export const LEDGER_LINES = 30;

/** The ledger kinds `/查看` hides unless `全部` (those marked `hidden` in the table above). */
export const HIDDEN_LEDGER_KINDS: readonly string[] = Object.entries(LEDGER_LABELS)
  .filter(([, spec]) => spec?.hidden)
  .map(([kind]) => kind);

/**
 * The `/查看` text: summary, acknowledgements, milestones, breaches and the timeline (the newest
 * `LEDGER_LINES` entries; with `all`, every entry including the notices sent).
 */
export function renderView(dir: Directory, v: IncidentView, now: Date, opts: { all?: boolean } = {}): string {
  const i = v.incident;
  const unit = dir.unit(i.unitId);
  const required = [unit?.firstResponsible, unit?.directResponsible, ...v.assignments.map((a) => a.personId)].filter(
    (x): x is string => !!x,
  );
  const acks = [...new Set(required)].map((p) => {
    const a = v.acknowledgements.find((x) => x.personId === p);
    return `${dir.nameOf(p)}${a ? `（已签收 ${dir.formatShort(a.at)}）` : '（未签收）'}`;
  });
  const lines = [
    `**${i.id}** ${i.title}`,
    `状态：${STATUS_NAMES[i.status]}　级别：${levelLabel(dir, i)}　类别：${i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类'}`,
    `单位：${unit?.name ?? i.unitId}　来源：${i.sourceType === 'assigned' ? '上级交办' : '自查'}${i.sourceUrl ? `　链接：${i.sourceUrl}` : ''}`,
    `发现：${dir.formatShort(i.foundAt)}　上报：${dir.formatShort(i.reportedAt)}（${dir.nameOf(i.reporterId)}）`,
    `签收：${acks.join('　')}`,
  ];
  const ms = v.milestones.filter((m) => m.state !== 'cancelled').sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  if (ms.length) lines.push('时限：', ...ms.map((m) => milestoneLine(dir, m, now)));
  if (v.breaches.length) {
    const names = new Map(v.milestones.map((m) => [m.key, m.name]));
    lines.push(
      `违约记录（${v.breaches.length}）：`,
      ...v.breaches.map(
        (b) =>
          `· ${dir.formatShort(b.at)}「${names.get(b.milestoneKey) ?? b.milestoneKey}」${b.personIds.map((p) => dir.nameOf(p)).join('、')}｜${b.grade === 'major' ? '重大违约' : '轻微违约'}`,
      ),
    );
  }
  const delivery = deliveryLine(v.deliveries);
  if (delivery) lines.push(delivery);
  // only the lines shown are formatted; entries the view did not fetch (a tail) are all visible ones
  const visible = opts.all ? v.ledger : v.ledger.filter((e) => !LEDGER_LABELS[e.kind]?.hidden);
  const shown = (opts.all ? visible : visible.slice(-LEDGER_LINES))
    .map((e) => ledgerLine(dir, e, opts.all))
    .filter((x): x is string => !!x);
  const total = visible.length + (v.ledgerTotal - v.ledger.length);
  lines.push(
    total > shown.length
      ? `台账（共 ${total} 条，显示最近 ${shown.length} 条；全部：/查看 ${i.id} 全部）：`
      : `台账（共 ${total} 条）：`,
    ...shown,
  );
  return lines.join('\n');
}

/** One line per incident for `/列表`. */
export function incidentLine(dir: Directory, i: Incident): string {
  return `· ${i.id}｜${STATUS_NAMES[i.status]}｜${levelLabel(dir, i)}｜${i.title}`;
}

/**
 * The delivery state of an incident's messages (issue 14: the outbox's state, not "sent" at
 * attempt time): `消息：已送达 3｜重试中 1｜发送失败 1（消息编号 17，管理员可 /重发 17）`. Null when none.
 */
export function deliveryLine(ds: DeliveryStatus[]): string | null {
  if (!ds.length) return null;
  const count = (s: DeliveryStatus['state']) => ds.filter((d) => d.state === s).length;
  const failed = ds.filter((d) => d.state === 'failed').map((d) => d.id);
  const parts = [
    `已送达 ${count('sent')}`,
    ...(count('queued') ? [`待发送 ${count('queued')}`] : []),
    ...(count('retrying') ? [`重试中 ${count('retrying')}`] : []),
    ...(failed.length
      ? [`发送失败 ${failed.length}（消息编号 ${failed.join('、')}，管理员可 /重发 ${failed[0]}）`]
      : []),
  ];
  return `消息：${parts.join('｜')}`;
}
