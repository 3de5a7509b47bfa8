/**
 * `/日报 [日期]`, `/周报 [周]`, `/月报 [月份]` and `/考核 [单位|@某人] [月份]` (issue 9): the rollup and
 * reports on demand, in any chat; a unit's chat sees its own units (the leadership group's chat all).
 */
import type { CommandContext, CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { addDaysYmd } from '../domain/milestones/index.js';
import { at, monthPeriod, weekPeriod } from '../reports/period.js';
import { looksLikeMonth, parseDay, parseMonth, parseWeek } from '../reports/period-args.js';
import type { CommandDeps } from './shared.js';

/** The chat a report is computed for: this chat; 1:1, the leadership group's chat. */
function reportChat(ctx: CommandContext, deps: CommandDeps, usage: string): string {
  const id =
    ctx.chat?.id ??
    (ctx.actor.personId && deps.directory.leadershipGroup().includes(ctx.actor.personId)
      ? deps.directory.leadershipChatId()
      : undefined);
  if (!id) throw new UsageError('请在工作群里查看（单聊仅领导小组成员可查看汇总）。', usage);
  return id;
}

export function dailyCommand(deps: CommandDeps, now: () => Date): CommandDef {
  const USAGE = '/日报 [日期]';
  return {
    name: '日报',
    aliases: ['daily', 'rollup'],
    usage: USAGE,
    summary: '查看当日（或指定日期）舆情日报',
    help: '统计区间为前一日至当日的日报时间（默认 17:30）；日报时间以后不写日期，看正在统计的下一期，当日已截止的一期发 /日报 今天。日期可写 11-30、昨天。\n示例：/日报 昨天',
    async run(ctx) {
      const tz = deps.directory.timezone;
      let ymd = parseDay(ctx.tokens[0], now(), tz, USAGE);
      // asked with no date after today's cut: the window counting now (tomorrow's rollup), not
      // today's closed one that cannot show anything since the cut
      if (!ctx.tokens[0] && now() >= at(ymd, deps.directory.reportSettings().rollup.time, tz)) ymd = addDaysYmd(ymd, 1);
      const post = await deps.reports.daily(reportChat(ctx, deps, USAGE), ymd, { asOf: now() });
      await ctx.say(post);
    },
  };
}

export function weeklyCommand(deps: CommandDeps, now: () => Date): CommandDef {
  const USAGE = '/周报 [周]';
  return {
    name: '周报',
    aliases: ['weekly'],
    usage: USAGE,
    summary: '查看舆情周报（默认上周）',
    help: '周次可写 本周、上周、第48周、2026-W48。\n示例：/周报 上周',
    async run(ctx) {
      const tz = deps.directory.timezone;
      const period = weekPeriod(parseWeek(ctx.tokens[0], now(), tz, USAGE), tz);
      await ctx.say(await deps.reports.periodic('weekly', reportChat(ctx, deps, USAGE), period, now()));
    },
  };
}

export function monthlyCommand(deps: CommandDeps, now: () => Date): CommandDef {
  const USAGE = '/月报 [月份]';
  return {
    name: '月报',
    aliases: ['monthly'],
    usage: USAGE,
    summary: '查看舆情月报（默认上月）',
    help: '月份可写 本月、上月、11月、2026-11。\n示例：/月报 上月',
    async run(ctx) {
      const tz = deps.directory.timezone;
      const period = monthPeriod(parseMonth(ctx.tokens[0], now(), tz, USAGE), tz);
      await ctx.say(await deps.reports.periodic('monthly', reportChat(ctx, deps, USAGE), period, now()));
    },
  };
}

export function assessCommand(deps: CommandDeps, now: () => Date): CommandDef {
  const USAGE = '/考核 [单位|@某人] [月份]';
  return {
    name: '考核',
    aliases: ['assess', 'assessment'],
    usage: USAGE,
    summary: '查看单位或个人的考核数据（处置率、签收用时、按时率、违约、迟报漏报）',
    help: '默认本群单位、本月；也可写 @某人。\n示例：/考核 社会救助股 上月',
    async run(ctx) {
      const dir = deps.directory;
      const tokens = [...ctx.tokens];
      const monthToken = tokens.length && looksLikeMonth(tokens.at(-1)!) ? tokens.pop() : undefined;
      const who = tokens.join(' ').trim();
      const ym = parseMonth(monthToken, now(), dir.timezone, USAGE, 'this');
      let subject: { kind: 'unit'; unitId: string } | { kind: 'person'; personId: string };
      if (who) {
        const person = /^[@＠]/.test(who) || !dir.findUnit(who) ? dir.findPerson(who) : undefined;
        const unit = person ? undefined : dir.findUnit(who);
        if (person) subject = { kind: 'person', personId: person.id };
        else if (unit) subject = { kind: 'unit', unitId: unit.id };
        else throw new UsageError(`找不到单位或人员“${who}”。`, USAGE);
      } else if (ctx.chat) subject = { kind: 'unit', unitId: ctx.chat.unit };
      else if (ctx.actor.personId) subject = { kind: 'person', personId: ctx.actor.personId };
      else throw new UsageError('请写明单位或 @某人。', USAGE);
      await ctx.say(await deps.reports.assessment(ctx.actor, subject, ym, now()));
    },
  };
}
