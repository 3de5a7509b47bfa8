/**
 * Chinese texts and cards the domain sends (composed inside the transaction so that the ledger
 * records exactly what was sent). Mentions are `@{personId}` tokens; see `Notice`.
 */
import { ROLE_NAMES, type Directory } from './Directory.js';
import type { CardSpec, Notice } from './ports.js';
import type { Acknowledgement, Incident, MilestoneRecord } from './types.js';
import { effectiveLevel } from './responsibility.js';

/** Chinese names of statuses. */
export const STATUS_NAMES: Record<Incident['status'], string> = {
  reported: '已上报',
  acknowledged: '已签收',
  handling: '处置中',
  responded: '已回应',
  calming: '趋于平息',
  closed: '已办结',
};

/** `一般（III）`, with `·待确认` while only proposed. */
export function levelLabel(dir: Directory, i: Incident): string {
  const id = effectiveLevel(i);
  const name = dir.level(id)?.name ?? id;
  return `${name}（${id}）${i.confirmedLevel ? '' : '·待确认'}`;
}

/** `card id` of an incident's acknowledgement card (also WeCom task_id: [0-9A-Za-z_-@]). */
export function ackCardId(incidentId: string): string {
  return `ack-${incidentId}`;
}

/** Button key of the 签收 button: `ack:<incidentId>`. */
export function ackKey(incidentId: string): string {
  return `ack:${incidentId}`;
}

/**
 * The acknowledgement card: who must acknowledge and who has (name + business time), and a 签收
 * button while anyone is missing.
 */
export function ackCard(dir: Directory, i: Incident, acks: Acknowledgement[], required: string[]): CardSpec {
  const unit = dir.unit(i.unitId);
  const roleOf = (p: string) =>
    unit?.firstResponsible === p
      ? ROLE_NAMES.firstResponsible
      : unit?.directResponsible === p
        ? ROLE_NAMES.directResponsible
        : ROLE_NAMES.assignee;
  const fields = required.map((p) => {
    const a = acks.find((x) => x.personId === p);
    return { label: `${roleOf(p)} ${dir.nameOf(p)}`, value: a ? `已签收 ${dir.formatShort(a.at)}` : '待签收' };
  });
  const done = required.every((p) => acks.some((a) => a.personId === p));
  return {
    id: ackCardId(i.id),
    title: `${i.id} ${done ? '已全部签收' : '请责任人签收'}`,
    description: i.title,
    fields: [{ label: '级别', value: levelLabel(dir, i) }, ...fields].slice(0, 6),
    buttons: done ? [] : [{ key: ackKey(i.id), text: '签收', style: 'primary' }],
  };
}

/** Up to `n` open milestones due after `now`, soonest first, as `· 名称 MM-DD HH:mm 前`. */
export function nextDeadlines(dir: Directory, milestones: MilestoneRecord[], now: Date, n = 4): string[] {
  return milestones
    .filter((m) => m.state === 'open' && m.dueAt > now)
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
    .slice(0, n)
    .map((m) => `· ${m.name} ${dir.formatShort(m.dueAt)} 前`);
}

/** Open milestones already past due at `now`, soonest first. */
export function overdueMilestones(milestones: MilestoneRecord[], now: Date): MilestoneRecord[] {
  return milestones
    .filter((m) => m.state === 'open' && m.dueAt <= now)
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/**
 * The open-incident notice (issue 3): id, summary, level, unit, source, @-mentions of the first-
 * and direct-responsible people (and of people @-mentioned in the report, `cc`), then deadlines:
 * those already overdue (a backdated report) apart from the upcoming ones (issue 10 item 10), with
 * the owners of overdue ones mentioned; and the 签收 card. `chatId` is the reporting chat.
 */
export function openNotice(
  dir: Directory,
  i: Incident,
  milestones: MilestoneRecord[],
  now: Date,
  cc: string[] = [],
): Notice {
  const unit = dir.unit(i.unitId)!;
  const responsible = [...new Set([unit.firstResponsible, unit.directResponsible])];
  const who =
    unit.firstResponsible === unit.directResponsible
      ? `@{${unit.firstResponsible}}（第一责任人、直接责任人）`
      : `@{${unit.firstResponsible}}（第一责任人）、@{${unit.directResponsible}}（直接责任人）`;
  const category = i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类';
  const others = cc.filter((p) => !responsible.includes(p));
  const lines = [
    `【舆情上报】**${i.id}**`,
    `内容：${i.description}`,
    `级别：${levelLabel(dir, i)}　类别：${category}`,
    `单位：${unit.name}　来源：${i.sourceType === 'assigned' ? '上级交办' : '自查'}`,
    ...(i.sourceUrl ? [`链接：${i.sourceUrl}`] : []),
    `发现时间：${dir.formatShort(i.foundAt)}　上报人：${dir.nameOf(i.reporterId)}`,
    `请 ${who} 立即签收：点击下方「签收」，或发送 /签收 ${i.id}`,
    ...(others.length ? [`同时提醒：${others.map((p) => `@{${p}}`).join(' ')}`] : []),
  ];
  const overdue = overdueMilestones(milestones, now);
  const late = [...new Set(overdue.flatMap((m) => m.ownerIds))].filter((p) => !responsible.includes(p));
  if (overdue.length)
    lines.push(
      '以下时限已超时：',
      ...overdue.map(
        (m) =>
          `· ${m.name} ${dir.formatShort(m.dueAt)}｜${m.ownerIds.map((p) => (late.includes(p) ? `@{${p}}` : dir.nameOf(p))).join('、')}`,
      ),
    );
  const next = nextDeadlines(dir, milestones, now);
  if (next.length) lines.push('接下来的时限：', ...next);
  return {
    chatId: i.chatId,
    text: lines.join('\n'),
    mentions: [...new Set([...responsible, ...others, ...late])],
    ping: responsible,
    card: ackCard(dir, i, [], responsible),
  };
}

/**
 * The leadership group hears a level I–II incident at once (domain.md "先报、早报"; levels configured
 * `notifyLeadershipAtOnce`, issue 10 item 11): posted to the leadership group's chat on a report
 * or a raise, @-mentioning the leader and deputies. `why` is `上报` or `升级`.
 */
export function leadershipNotice(dir: Directory, i: Incident, why: '上报' | '升级', actorName: string): Notice {
  const lg = dir.leadershipGroupSpec();
  const leaders = [...new Set([lg.leader, ...lg.deputies])];
  const unit = dir.unit(i.unitId);
  return {
    chatId: lg.chat ?? undefined,
    mentions: leaders,
    text: [
      `【先报·${why}】**${i.id}** ${levelLabel(dir, i)}`,
      `内容：${i.title}`,
      `单位：${unit?.name ?? i.unitId}　发现：${dir.formatShort(i.foundAt)}　${why === '上报' ? '上报人' : '定级人'}：${actorName}`,
      `请 ${leaders.map((p) => `@{${p}}`).join(' ')} 知悉并指导处置；详情：/查看 ${i.id}`,
    ].join('\n'),
  };
}

/**
 * The level-change notice (`/定级`): a raise @-mentions the unit's responsible people and the
 * leadership group (domain.md: a raise "widens who is notified"); otherwise the direct-responsible.
 */
export function levelNotice(dir: Directory, i: Incident, from: string, to: string, actorName: string): Notice {
  const lvl = (id: string) => `${dir.level(id)?.name ?? id}（${id}）`;
  const raised = dir.rank(to) < dir.rank(from);
  const lowered = dir.rank(to) > dir.rank(from);
  const unit = dir.unit(i.unitId)!;
  const mentions = raised
    ? [...new Set([unit.firstResponsible, unit.directResponsible, ...dir.leadershipGroup()])]
    : [unit.directResponsible];
  const verb = raised ? '升级' : lowered ? '降级' : '确认级别';
  const text =
    raised || lowered
      ? `【${verb}】${i.id} 级别：${lvl(from)} → **${lvl(to)}**（${actorName}）\n各项时限已按新级别重新计算，请用 /查看 ${i.id} 查看。`
      : `【确认级别】${i.id} 级别确认为 **${lvl(to)}**（${actorName}），时限不变。`;
  return { chatId: i.chatId, text, mentions };
}

/**
 * A short title: the first sentence of the description, cut at 40 characters — never inside a run
 * of digits or Latin letters ("转发300余次" must not become "转发30…").
 */
export function titleOf(description: string): string {
  const first = description.split(/[。！？!?\n]/)[0].trim() || description.trim();
  const chars = [...first];
  if (chars.length <= 40) return first;
  let cut = 40;
  while (cut > 20 && /[0-9A-Za-z.,%]/.test(chars[cut - 1]) && /[0-9A-Za-z.,%]/.test(chars[cut])) cut -= 1;
  return `${chars.slice(0, cut).join('')}…`;
}
