/**
 * Chinese rendering of incidents and ledger entries for `/查看` and `/列表` (business time zone).
 */
import type { Directory } from '../domain/Directory.js';
import type { IncidentView } from '../domain/IncidentService.js';
import { levelLabel, STATUS_NAMES } from '../domain/messages.js';
import type { DeliveryStatus } from '../domain/ports.js';
import type { Incident, LedgerEntry, MilestoneRecord } from '../domain/types.js';

/** One line per ledger entry: `MM-DD HH:mm 姓名 动作`. */
export function ledgerLine(dir: Directory, e: LedgerEntry): string | null {
  const p = e.payload as Record<string, unknown>;
  const who = e.actor === 'bot' || e.actor === 'system' ? '系统' : dir.nameOf(e.actor);
  const lvl = (id: unknown) => `${dir.level(String(id))?.name ?? String(id)}（${String(id)}）`;
  let what: string;
  switch (e.kind) {
    case 'incident.opened':
      what = `上报：${String(p.title ?? '')}`;
      break;
    case 'incident.acknowledged':
      what = '签收';
      break;
    case 'incident.level_changed':
      what = `定级 ${lvl(p.from)} → ${lvl(p.to)}`;
      break;
    case 'incident.category_changed':
      what = `分类为 ${dir.category(String(p.to))?.name ?? String(p.to)}`;
      break;
    case 'incident.status_changed':
      what = `状态 ${STATUS_NAMES[p.from as Incident['status']] ?? p.from} → ${STATUS_NAMES[p.to as Incident['status']] ?? p.to}`;
      break;
    case 'incident.note':
      what = `进展：${String(p.text ?? '')}`;
      break;
    case 'incident.assigned':
      what = `指派 ${dir.nameOf(String(p.personId))}（${String(p.role)}）`;
      break;
    case 'incident.closed':
      what = `办结：${String(p.summary ?? '')}`;
      break;
    case 'incident.reopened':
      what = '重开';
      break;
    case 'message.sent':
    case 'message.queued':
      return null;
    case 'message.failed':
      what = `消息发送失败（消息编号 ${String(p.outboxId)}）`;
      break;
    case 'message.requeued':
      what = `消息重新发送（消息编号 ${String(p.outboxId)}）`;
      break;
    case 'milestone.met':
      what = `完成「${String(p.name ?? p.key)}」${p.note ? `：${String(p.note)}` : ''}`;
      break;
    case 'milestone.reminded':
      what = `提醒「${String(p.name ?? p.key)}」`;
      break;
    case 'milestone.breached':
      what = `「${String(p.name ?? p.key)}」超时`;
      break;
    case 'milestone.escalated':
      what = `「${String(p.name ?? p.key)}」逾期升级催办（${String(p.targetName ?? p.target ?? '')}）`;
      break;
    case 'milestone.planned':
      what = `时限已${p.replanned ? '重新' : ''}计算（${String(p.count ?? '')} 项）`;
      break;
    case 'breach.graded':
      what = `违约定性为${p.grade === 'major' ? '重大违约' : '轻微违约'}`;
      break;
    default:
      what = e.kind;
  }
  return `${dir.formatShort(e.at)} ${who} ${what}`;
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
        ? '⚠️已超时'
        : MILESTONE_STATE[m.state];
  const breach = m.breachedAt && m.state === 'met' ? '（超时完成）' : '';
  return `· ${m.name}：${due} 前｜${state}${breach}`;
}

/** How many ledger lines `/查看` shows (the newest); the full ledger stays in the database. */
export const LEDGER_LINES = 30;

/** The `/查看` text: summary, acknowledgements, milestones, breaches and the timeline. */
export function renderView(dir: Directory, v: IncidentView, now: Date): string {
  const i = v.incident;
  const unit = dir.unit(i.unitId);
  const required = [unit?.firstResponsible, unit?.directResponsible, ...v.assignments.map((a) => a.personId)].filter(
    (x): x is string => !!x,
  );
  const acks = [...new Set(required)].map((p) => {
    const a = v.acknowledgements.find((x) => x.personId === p);
    return `${dir.nameOf(p)}${a ? `✅${dir.formatShort(a.at)}` : '⏳未签收'}`;
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
  const entries = v.ledger.map((e) => ledgerLine(dir, e)).filter((x): x is string => !!x);
  const shown = entries.slice(-LEDGER_LINES);
  lines.push(
    entries.length > shown.length ? `台账（共 ${entries.length} 条，显示最近 ${shown.length} 条）：` : '台账：',
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
