/**
 * Report periods in business time (issue 9): the rollup window of a business date, ISO weeks,
 * months and duty shifts, as UTC instants. Pure; the zone comes from config (default
 * Asia/Shanghai), never the machine's.
 */
import { addDaysYmd, fromZoned, parseHhmm, splitYmd, toZoned, weekdayOf } from '../domain/milestones/index.js';

/** A half-open UTC range `[from, to)` with a label for people and a key part for idempotency. */
export interface Period {
  from: Date;
  to: Date;
  /** Idempotency key part: `2026-11-30`, `2026-W48`, `2026-11`. */
  id: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The years a report period, an assessment month or a dashboard date may name (inclusive): the
 * one place for this input bound (not a domain.md figure). Outside it the calendar arithmetic
 * (`addDaysYmd`, ISO weeks) leaves `YYYY`; a user gets the range instead of an internal error.
 */
export const REPORT_YEARS = { min: 2000, max: 2099 } as const;

/** Whether `year` is inside {@link REPORT_YEARS}. */
export function reportYear(year: number): boolean {
  return Number.isInteger(year) && year >= REPORT_YEARS.min && year <= REPORT_YEARS.max;
}

/** The Chinese sentence a user reads for a year outside {@link REPORT_YEARS}. */
export function reportYearText(raw: string): string {
  return `年份应在 ${REPORT_YEARS.min}–${REPORT_YEARS.max} 之间：${raw}。`;
}

/** The business date (`YYYY-MM-DD`) of an instant. */
export function businessDate(at: Date, tz: string): string {
  return toZoned(at, tz).ymd;
}

/** The UTC instant of business date `ymd` at `hhmm`. @throws RangeError for malformed input. */
export function at(ymd: string, hhmm: string, tz: string): Date {
  return fromZoned(ymd, parseHhmm(hhmm), tz);
}

/**
 * The rollup window of business date `ymd`: from the previous day's cut to this day's cut, so
 * every instant falls into exactly one daily rollup (issue 9 "the day": new today … closed today).
 */
export function rollupWindow(ymd: string, cut: string, tz: string): Period {
  return { from: at(addDaysYmd(ymd, -1), cut, tz), to: at(ymd, cut, tz), id: ymd };
}

/** ISO 8601 week of a business date: `{ year, week, monday }`. */
export function isoWeek(ymd: string): { year: number; week: number; monday: string } {
  const monday = addDaysYmd(ymd, -((weekdayOf(ymd) + 6) % 7));
  const thursday = addDaysYmd(monday, 3);
  const [year] = splitYmd(thursday);
  const jan4 = `${year}-01-04`;
  const week1 = addDaysYmd(jan4, -((weekdayOf(jan4) + 6) % 7));
  const [y1, m1, d1] = splitYmd(week1);
  const [y2, m2, d2] = splitYmd(monday);
  const days = (Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000;
  return { year, week: days / 7 + 1, monday };
}

/** The ISO week (Monday 00:00 to the next Monday 00:00, business time) containing `ymd`. */
export function weekPeriod(ymd: string, tz: string): Period {
  const { year, week, monday } = isoWeek(ymd);
  return { from: at(monday, '00:00', tz), to: at(addDaysYmd(monday, 7), '00:00', tz), id: `${year}-W${pad(week)}` };
}

/** The calendar month `YYYY-MM` in business time. @throws RangeError for a malformed month. */
export function monthPeriod(ym: string, tz: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(ym);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`month must be YYYY-MM, got "${ym}"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${pad(mo + 1)}`;
  return { from: at(`${ym}-01`, '00:00', tz), to: at(`${next}-01`, '00:00', tz), id: ym };
}

/** `YYYY-MM` of the month before `ym`. */
export function previousMonth(ym: string): string {
  const [y, mo] = ym.split('-').map(Number);
  return mo === 1 ? `${y - 1}-12` : `${y}-${pad(mo - 1)}`;
}

/**
 * The duty shift containing `t` (domain.md "Monitoring and duty": a 24-hour shift, e.g. 08:00 to
 * 08:00): its start date (`YYYY-MM-DD`) and range.
 */
export function shiftOf(t: Date, shiftStart: string, tz: string): { date: string; from: Date; to: Date } {
  const z = toZoned(t, tz);
  const date = z.msOfDay < parseHhmm(shiftStart) * 60_000 ? addDaysYmd(z.ymd, -1) : z.ymd;
  return { date, from: at(date, shiftStart, tz), to: at(addDaysYmd(date, 1), shiftStart, tz) };
}

/**
 * The latest scheduled instant of a daily / weekly / monthly report at or before `now`, with the
 * period it reports on: daily → that business date's rollup window; weekly → the ISO week before
 * the scheduled day; monthly → the month before.
 * @param when daily: `{ time }`; weekly: `{ weekday (1 = Mon … 7 = Sun), time }`; monthly: `{ day, time }`.
 */
export function latestOccurrence(
  kind: 'rollup' | 'weekly' | 'monthly',
  when: { time: string; weekday?: number; day?: number },
  now: Date,
  tz: string,
  rollupCut = when.time,
): { dueAt: Date; period: Period } {
  let ymd = businessDate(now, tz);
  for (let i = 0; i < 40; i++, ymd = addDaysYmd(ymd, -1)) {
    const dueAt = at(ymd, when.time, tz);
    if (dueAt > now) continue;
    if (kind === 'rollup') return { dueAt, period: rollupWindow(ymd, rollupCut, tz) };
    if (kind === 'weekly' && (weekdayOf(ymd) || 7) === when.weekday)
      return { dueAt, period: weekPeriod(addDaysYmd(ymd, -7), tz) };
    if (kind === 'monthly' && splitYmd(ymd)[2] === when.day)
      return { dueAt, period: monthPeriod(previousMonth(ymd.slice(0, 7)), tz) };
  }
  throw new RangeError(`no ${kind} occurrence within 40 days before ${now.toISOString()}`);
}

/**
 * Posting slots spread evenly over `spreadSeconds` after `dueAt` (issue 9: hundreds of groups
 * must not hit the platforms' limits in one second): slot i of n is `dueAt + ⌊i·spread/n⌋` s.
 */
export function spreadSlots(dueAt: Date, n: number, spreadSeconds: number): Date[] {
  return Array.from(
    { length: n },
    (_, i) => new Date(dueAt.getTime() + Math.floor((i * spreadSeconds * 1000) / Math.max(1, n))),
  );
}
