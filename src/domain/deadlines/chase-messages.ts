/**
 * Chinese texts of chases (issue 4): reminder before a deadline, breach at it, escalation after
 * it. Mentions are `@{personId}` tokens (see `Notice`).
 */
import type { Directory } from '../Directory.js';
import type { ChaseStep, LadderDelivery } from '../milestones/index.js';
import type { Notice } from '../ports.js';
import type { Incident, MilestoneRecord } from '../types.js';

/** `3 小时 5 分钟`, `12 分钟`, `不足 1 分钟`. */
export function formatSpan(ms: number): string {
  const min = Math.floor(Math.abs(ms) / 60_000);
  if (min < 1) return '不足 1 分钟';
  const h = Math.floor(min / 60);
  const d = Math.floor(h / 24);
  if (d >= 1) return `${d} 天${h % 24 ? ` ${h % 24} 小时` : ''}`;
  return h ? `${h} 小时${min % 60 ? ` ${min % 60} 分钟` : ''}` : `${min} 分钟`;
}

const mentionsText = (ids: string[]) => ids.map((p) => `@{${p}}`).join(' ');

/**
 * How a milestone is met, from its config (`milestones[].clock` and `metBy`; domain.md "Handling
 * flow"): by hand with `/完成` (`byHand`), or only by what meets it — each person's 签收, an
 * approver's decision, `/发布` of an approved statement (000 L1: published only after approval),
 * an approved plan, `/定级`. `how` is the imperative a chase ends with and `/完成` refuses with;
 * the one place for both.
 */
export function meetingRule(dir: Directory, incidentId: string, m: MilestoneRecord): { byHand: boolean; how: string } {
  const spec = dir.milestoneSpec(m.key.split(':')[0]);
  const clock = spec?.clock;
  if (clock === 'statementSubmitted' || clock === 'planSubmitted')
    return {
      byHand: false,
      how: `点审批卡片上的「通过」或「驳回」，或发送 /通过 ${incidentId} ${clock === 'planSubmitted' ? '方案' : '稿件'}`,
    };
  const metBy = spec?.metBy ?? [];
  if (m.key.startsWith('ack:') || metBy.includes('ack')) return { byHand: false, how: `发送 /签收 ${incidentId}` };
  if (metBy.includes('publish')) return { byHand: false, how: `稿件审批通过后发送 /发布 ${incidentId} <发布链接>` };
  if (metBy.includes('plan')) return { byHand: false, how: `发送 /方案 ${incidentId} <方案内容> 报批，审批通过即完成` };
  if (metBy.includes('level')) return { byHand: false, how: `发送 /定级 ${incidentId} <级别>（确认现有级别也可）` };
  return { byHand: true, how: `完成后发送 /完成 ${incidentId} ${m.name.replace(/（.*）$/, '')}` };
}

/** How a milestone is met, for the hint at the end of chases. */
function howToMeet(i: Incident, m: MilestoneRecord, dir: Directory): string {
  return meetingRule(dir, i.id, m).how;
}

/** Reminder before the deadline, to the owners. Spans are shown in simulated time under a drill's `timeScale`. */
export function reminderNotice(dir: Directory, i: Incident, m: MilestoneRecord, now: Date, timeScale = 1): Notice {
  return {
    chatId: dir.incidentChat(i),
    mentions: m.ownerIds,
    directTo: m.ownerIds,
    text:
      `【提醒】${i.id}「${m.name}」将于 ${dir.formatShort(m.dueAt)} 到期（剩余 ${formatSpan((m.dueAt.getTime() - now.getTime()) / timeScale)}）。\n` +
      `${mentionsText(m.ownerIds)} 请及时办理，${howToMeet(i, m, dir)}。`,
  };
}

/** The deadline passed: the breach is recorded (minor by default; 000 L2). */
export function breachNotice(dir: Directory, i: Incident, m: MilestoneRecord): Notice {
  return {
    chatId: dir.incidentChat(i),
    mentions: m.ownerIds,
    directTo: m.ownerIds,
    text:
      `【超时】${i.id}「${m.name}」已超过时限（${dir.formatShort(m.dueAt)}），已记入台账（轻微违约）。\n` +
      `${mentionsText(m.ownerIds)} 请立即办理，${howToMeet(i, m, dir)}。`,
  };
}

const AUDIENCE: Record<LadderDelivery['audience'], string> = {
  incident: '',
  leadershipGroup: '（报领导小组）',
  upperAuthority: '（报上级主管部门）',
};

/** An escalation rung: who is chased now, where, and who still owes the step. */
export function escalationNotice(
  dir: Directory,
  i: Incident,
  m: MilestoneRecord,
  step: ChaseStep,
  d: LadderDelivery,
  now: Date,
  timeScale = 1,
): Notice {
  const owners = m.ownerIds.map((p) => dir.nameOf(p)).join('、');
  const whom = d.mentions.length ? `请 ${mentionsText(d.mentions)} 督促办理` : '请督促办理';
  return {
    chatId: d.chatId ?? undefined,
    mentions: d.mentions,
    directTo: d.directTo,
    text:
      `【逾期升级·第 ${step.rung ?? ''} 级】${AUDIENCE[d.audience]}${i.id}「${m.name}」已逾期 ${formatSpan((now.getTime() - m.dueAt.getTime()) / timeScale)}` +
      `（时限 ${dir.formatShort(m.dueAt)}），责任人：${owners}。\n${whom}；事件：${i.title}。`,
  };
}

/**
 * One audience of a catch-up: where, whom, which overdue milestones. `owners` owe the steps (breach
 * notices), `chasers` were reached by a ladder rung; `mentions` is both.
 */
export interface CatchUpAudience {
  chatId?: string;
  mentions: string[];
  directTo: string[];
  milestones: MilestoneRecord[];
  owners: string[];
  chasers: string[];
}

/**
 * The one catch-up notice of an audience (issue 10 item 10): every step already overdue when the
 * deadlines were planned (a backdated report), one line each, instead of a breach and a ladder
 * message per step. Breaches are recorded as minor (000 L2) like any other.
 */
export function catchUpNotice(dir: Directory, i: Incident, a: CatchUpAudience, now: Date, timeScale = 1): Notice {
  const lines = a.milestones.map(
    (m) =>
      `· ${m.name}（${dir.formatShort(m.dueAt)}，已逾期 ${formatSpan((now.getTime() - m.dueAt.getTime()) / timeScale)}）` +
      `责任人：${m.ownerIds.map((p) => dir.nameOf(p)).join('、')}`,
  );
  const chasers = a.chasers.filter((p) => !a.owners.includes(p));
  const asks = [
    ...(a.owners.length ? [`请 ${mentionsText(a.owners)} 立即办理`] : []),
    ...(chasers.length ? [`请 ${mentionsText(chasers)} 督促办理`] : []),
  ];
  // how each is met: 签收, /完成 for what is done by hand, and the command for the rest by name
  const rules = a.milestones.map((m) => ({ m, rule: meetingRule(dir, i.id, m) }));
  const byCommand = rules.filter((r) => !r.rule.byHand && !r.m.key.startsWith('ack:'));
  const hasAck = a.milestones.some((m) => m.key.startsWith('ack:'));
  const hasHand = rules.some((r) => r.rule.byHand);
  const parts = [
    ...(hasAck ? [`签收发送 /签收 ${i.id}`] : []),
    ...[...new Map(byCommand.map((r) => [r.m.name, `「${r.m.name}」${r.rule.how}`])).values()],
    ...(hasHand ? [`${hasAck || byCommand.length ? '其他事项' : ''}完成后发送 /完成 ${i.id} <事项>`] : []),
  ];
  const how = `${parts.join('；')}。`;
  return {
    chatId: a.chatId,
    mentions: a.mentions,
    directTo: a.directTo,
    text: [
      `【超时】${i.id} ${i.title}`,
      '以下时限已超时（已记入台账，轻微违约）：',
      ...lines,
      `${asks.length ? `${asks.join('；')}。` : ''}${how}`,
    ].join('\n'),
  };
}
