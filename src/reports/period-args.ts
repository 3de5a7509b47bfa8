/**
 * Parsing the period arguments of `/日报 [日期]`, `/周报 [周]`, `/月报 [月份]`, `/考核 … [月份]`
 * (issue 9). Accepts the forms people type on a phone; a bad form throws a `UsageError` that says
 * what was wrong and shows the right forms. Dates are business dates (config `timezone`).
 */
import { addDaysYmd, splitYmd } from '../domain/milestones/index.js';
import { normaliseToken } from '../domain/Directory.js';
import { UsageError } from '../errors.js';
import { businessDate, isoWeek, previousMonth, reportYear, reportYearText } from './period.js';

const pad = (n: number) => String(n).padStart(2, '0');

function validYmd(ymd: string, raw: string, usage: string): string {
  if (!reportYear(Number(ymd.slice(0, 4)))) throw new UsageError(reportYearText(raw), usage);
  try {
    splitYmd(ymd);
  } catch {
    throw new UsageError(`没有这一天：${raw}。`, usage);
  }
  return ymd;
}

/**
 * A business date from `2026-11-30`, `2026/11/30`, `11-30`, `11月30日`, `今天`, `昨天`, `前天`
 * (empty: today). A date without a year is this year's, or last year's when it would be in the future.
 * @throws UsageError for any other form, a date after today, or a year outside `REPORT_YEARS`.
 */
export function parseDay(arg: string | undefined, now: Date, tz: string, usage: string): string {
  const today = businessDate(now, tz);
  const s = normaliseToken(arg ?? '');
  let ymd: string | undefined;
  if (s === '' || s === '今天' || s === '今日' || s === 'today') ymd = today;
  else if (s === '昨天' || s === '昨日' || s === 'yesterday') ymd = addDaysYmd(today, -1);
  else if (s === '前天') ymd = addDaysYmd(today, -2);
  else {
    const full = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
    const short = /^(\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
    if (full) ymd = validYmd(`${full[1]}-${pad(Number(full[2]))}-${pad(Number(full[3]))}`, s, usage);
    else if (short) {
      const y = Number(today.slice(0, 4));
      ymd = validYmd(`${y}-${pad(Number(short[1]))}-${pad(Number(short[2]))}`, s, usage);
      if (ymd > today) ymd = validYmd(`${y - 1}-${ymd.slice(5)}`, s, usage);
    }
  }
  if (!ymd) throw new UsageError(`看不懂日期“${s}”。请写成 2026-11-30、11-30、11月30日 或 昨天。`, usage);
  if (ymd > today) throw new UsageError(`${ymd} 还没到，只能查看今天及以前的日报。`, usage);
  return ymd;
}

/**
 * A business date inside an ISO week from `2026-W48`, `W48`, `第48周`, `本周`, `上周` (empty: last
 * week, the one the scheduled weekly report covers).
 * @throws UsageError for any other form, a week number that year does not have, a week after this
 *   one, or a year outside `REPORT_YEARS`.
 */
export function parseWeek(arg: string | undefined, now: Date, tz: string, usage: string): string {
  const today = businessDate(now, tz);
  const s = normaliseToken(arg ?? '').toUpperCase();
  if (s === '' || s === '上周') return addDaysYmd(today, -7);
  if (s === '本周' || s === '这周') return today;
  const m = /^(?:(\d{4})[-年]?)?(?:W|第)(\d{1,2})周?$/.exec(s);
  if (!m) throw new UsageError(`看不懂周次“${s}”。请写成 2026-W48、第48周、本周 或 上周。`, usage);
  const year = m[1] ? Number(m[1]) : isoWeek(today).year;
  if (!reportYear(year)) throw new UsageError(reportYearText(s), usage);
  const week = Number(m[2]);
  const monday1 = addDaysYmd(`${year}-01-04`, -((new Date(`${year}-01-04T00:00:00Z`).getUTCDay() + 6) % 7));
  const ymd = addDaysYmd(monday1, (week - 1) * 7);
  if (week < 1 || isoWeek(ymd).week !== week) throw new UsageError(`${year} 年没有第 ${week} 周。`, usage);
  if (ymd > today) throw new UsageError(`${year} 年第 ${week} 周还没到，只能查看本周及以前的周报。`, usage);
  return ymd;
}

/**
 * A month `YYYY-MM` from `2026-11`, `2026年11月`, `11月`, `本月`, `上月`; empty gives `fallback`
 * (`last`: the month before, what the scheduled monthly report covers; `this`: the current month).
 * @throws UsageError for any other form, a month after this one, or a year outside `REPORT_YEARS`.
 */
export function parseMonth(
  arg: string | undefined,
  now: Date,
  tz: string,
  usage: string,
  fallback: 'last' | 'this' = 'last',
): string {
  const thisMonth = businessDate(now, tz).slice(0, 7);
  const s = normaliseToken(arg ?? '');
  if (s === '') return fallback === 'last' ? previousMonth(thisMonth) : thisMonth;
  if (s === '上月' || s === '上个月') return previousMonth(thisMonth);
  if (s === '本月' || s === '这个月') return thisMonth;
  let m = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(s);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    if (!reportYear(Number(m[1]))) throw new UsageError(reportYearText(s), usage);
    const ym = `${m[1]}-${pad(Number(m[2]))}`;
    if (ym > thisMonth) throw new UsageError(`${ym} 还没到，只能查看本月及以前。`, usage);
    return ym;
  }
  m = /^(\d{1,2})月$/.exec(s);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 12) {
    const y = Number(thisMonth.slice(0, 4));
    const ym = `${y}-${pad(Number(m[1]))}`;
    return ym > thisMonth ? `${y - 1}-${ym.slice(5)}` : ym;
  }
  throw new UsageError(`看不懂月份“${s}”。请写成 2026-11、11月、本月 或 上月。`, usage);
}

/** Whether a token looks like a period (so `/考核` can tell a month from a unit name). */
export function looksLikeMonth(token: string): boolean {
  return /^(\d{4}[-/.年]\d{1,2}月?|\d{1,2}月|本月|上月|上个月|这个月)$/.test(normaliseToken(token));
}
