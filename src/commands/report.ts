/**
 * `/上报 <描述> [链接] [级别] [#单位]` (`/report`, `/舆情`): opens an incident (issue 3).
 * Options may trail the description in any order: a link, a level (id, name or alias), `#单位`,
 * `上级交办` / `自查` (source type, domain.md "Intake"), `发现:HH:mm` or `发现:昨天HH:mm` (discovery
 * time, business time). `级别:X`, `类别:X` and links are recognised anywhere.
 */
import type { CommandDef } from '../bot/Bot.js';
import { tokenSpans, type TokenSpan } from '../bot/parser.js';
import { fromWallTime, wallTime } from '../domain/business-time.js';
import type { Directory } from '../domain/Directory.js';
import type { OpenIncidentInput } from '../domain/IncidentService.js';
import { UsageError } from '../errors.js';
import type { CommandDeps } from './shared.js';

export const REPORT_USAGE = '/上报 <舆情描述> [原帖链接] [级别] [#单位] [上级交办] [发现:HH:mm]';

/** Parsed `/上报` arguments (minus the chat, which the caller adds). */
export type ReportArgs = Omit<OpenIncidentInput, 'chatId'>;

const LINK = /^(https?:\/\/|www\.)\S+$/i;

/**
 * Parses `/上报` tokens. Links, `key:value` options and @-mentions count anywhere (mentioned people
 * in the directory become `cc`); trailing option tokens are read from the end until the first
 * plain word; everything else is the description.
 * @throws UsageError naming the problem (empty description, unknown unit/level/category, bad time).
 */
export function parseReportArgs(args: string, dir: Directory, now: Date): ReportArgs {
  const out: ReportArgs = { description: '' };
  const explicit = (t: string) => /^(级别|等级|类别|分类|发现|来源)[:：=]/.test(t);
  const spans = tokenSpans(args);
  const options = new Set<TokenSpan>();
  // options anywhere: links, explicit key:value, and mentions (never description text; issue 10 item 9)
  const cc: string[] = [];
  for (const t of spans) {
    if (t.mention) {
      const who = dir.findPerson(t.text);
      if (who && !cc.includes(who.id)) cc.push(who.id);
      options.add(t);
    } else if (LINK.test(t.text) && !out.sourceUrl) {
      out.sourceUrl = /^www\./i.test(t.text) ? `http://${t.text}` : t.text;
      options.add(t);
    } else if (explicit(t.text)) {
      applyOption(t.text, out, dir, now);
      options.add(t);
    }
  }
  // trailing options, read from the end until the first plain word (at least one word stays)
  const rest = spans.filter((t) => !options.has(t));
  for (let end = rest.length; end > 1; end -= 1) {
    const t = rest[end - 1].text;
    if (t.startsWith('#') || t.startsWith('＃')) {
      const unit = dir.findUnit(t.slice(1));
      if (!unit)
        throw new UsageError(
          `未知的单位：${t.slice(1)}。可用单位：${dir
            .allUnits()
            .map((u) => u.name)
            .join('、')}`,
          REPORT_USAGE,
        );
      out.unitId = unit.id;
    } else if (t === '上级交办' || t === '交办') out.sourceType = 'assigned';
    else if (t === '自查') out.sourceType = 'self';
    else if (dir.findLevel(t) && !out.level) out.level = dir.findLevel(t)!.id;
    // a second, different level word is asked back; a bare number before the level ("截图 2 三级")
    // is more likely text than a level and stays in the description
    else if (dir.findLevel(t) && dir.findLevel(t)!.id !== out.level && !/^[0-9\uFF10-\uFF19]+$/.test(t))
      throw twoLevels(dir, out.level!, dir.findLevel(t)!.id);
    else break;
    options.add(rest[end - 1]);
  }
  // the description is the raw text without the options: line breaks, spacing and quotes kept
  let description = '';
  let from = 0;
  for (const t of spans.filter((x) => options.has(x))) {
    description += args.slice(from, t.start).replace(/[ \t\u3000]+$/, ''); // with the blank before the option
    from = t.end;
  }
  description += args.slice(from);
  out.description = description.trim();
  if (cc.length) out.cc = cc;
  if (!out.description)
    throw new UsageError('请写明舆情内容，例如：/上报 某论坛出现关于低保审核的不实帖子 https://… 三级', REPORT_USAGE);
  if (out.description.length > 2000)
    throw new UsageError(
      `舆情描述过长（${out.description.length} 字），请控制在 2000 字以内，详细材料可在 /进展 中补充。`,
      REPORT_USAGE,
    );
  return out;
}

function applyOption(t: string, out: ReportArgs, dir: Directory, now: Date): void {
  const [, key, value] = /^([^:：=]+)[:：=](.*)$/.exec(t)!;
  if (!value) throw new UsageError(`“${key}”后面缺少内容。`, REPORT_USAGE);
  if (key === '级别' || key === '等级') {
    const level = dir.findLevel(value);
    if (!level)
      throw new UsageError(
        `未知的级别：${value}。可用级别：${dir
          .levels()
          .map((l) => `${l.name}（${l.id}）`)
          .join('、')}`,
        REPORT_USAGE,
      );
    if (out.level && out.level !== level.id) throw twoLevels(dir, out.level, level.id);
    out.level = level.id;
  } else if (key === '类别' || key === '分类') {
    const c = dir.findCategory(value);
    if (!c)
      throw new UsageError(
        `未知的类别：${value}。可用类别：${dir
          .categories()
          .map((x) => x.name)
          .join('、')}`,
        REPORT_USAGE,
      );
    out.category = c.id;
  } else if (key === '来源') {
    if (/交办/.test(value)) out.sourceType = 'assigned';
    else if (value === '自查') out.sourceType = 'self';
    else throw new UsageError(`来源只能是“自查”或“上级交办”，收到：${value}`, REPORT_USAGE);
  } else if (key === '发现') {
    out.foundAt = parseFoundAt(value, dir.timezone, now);
  }
}

/** Two different levels in one report: which one is meant is asked, never guessed. */
function twoLevels(dir: Directory, a: string, b: string): UsageError {
  const name = (id: string) => dir.levels().find((l) => l.id === id)?.name ?? id;
  return new UsageError(`写了两个级别（${name(b)}、${name(a)}），请只保留一个。`, REPORT_USAGE);
}

/**
 * `HH:mm` (today, business time) or `昨天HH:mm` (yesterday) → UTC instant.
 * A time later than now is refused, not taken as yesterday: a typo would backdate the incident by
 * up to a day and record breaches and escalations at once (the time limits run from discovery).
 * @throws UsageError for another form or a time later than now.
 */
export function parseFoundAt(value: string, timeZone: string, now: Date): Date {
  const m = /^(昨天|昨日)?(\d{1,2})[:：](\d{2})$/.exec(value);
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59)
    throw new UsageError(
      `发现时间格式应为 HH:mm（如 发现:09:30，昨天的写 发现:昨天23:50），收到：${value}`,
      REPORT_USAGE,
    );
  const today = wallTime(now, timeZone);
  let at = fromWallTime(
    { year: today.year, month: today.month, day: today.day, hour: Number(m[2]), minute: Number(m[3]) },
    timeZone,
  );
  if (m[1]) at = new Date(at.getTime() - 24 * 3600_000);
  else if (at > now) {
    const hhmm = `${String(today.hour).padStart(2, '0')}:${String(today.minute).padStart(2, '0')}`;
    throw new UsageError(
      `发现时间 ${m[2]}:${m[3]} 晚于现在（${hhmm}）。如是昨天发现，请写 发现:昨天${m[2]}:${m[3]}。`,
      REPORT_USAGE,
    );
  }
  return at;
}

/** The `/上报` command. */
export function reportCommand(deps: CommandDeps, now: () => Date): CommandDef {
  return {
    name: '上报',
    aliases: ['report', '舆情'],
    usage: REPORT_USAGE,
    summary: '上报一条舆情，立即通知单位第一责任人和直接责任人签收',
    help: '示例：/上报 某论坛出现“低保审核不公”的帖子，转发较快 https://bbs.example.cn/t/123 三级 #社会救助股',
    async run(ctx) {
      if (!ctx.chat) throw new UsageError('请在已绑定单位的工作群中上报舆情。', REPORT_USAGE);
      const args = parseReportArgs(ctx.args, deps.directory, now());
      // The open notice (@-mentions + 签收 card) is queued by the service for this very chat, so
      // the bot delivers it as this command's reply (issue 14): saying it again would repeat it.
      await deps.incidents.open(ctx.actor, { ...args, chatId: ctx.chat.id });
    },
  };
}
