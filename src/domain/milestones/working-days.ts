/**
 * Working-day deadlines (domain.md "Time limits": "written answer to feedback: 5 working days"
 * (000 L8); "inquiry item: handling opinion the same day" (001 school)).
 *
 * Decision (documented in config/default.yaml `calendar:`): a working-day deadline ends at the
 * end of the business day (`calendar.endOfDay`, business time) of the N-th working day AFTER the
 * clock's business date. The day the clock starts is never counted, whatever its time and whether
 * or not it is a working day (期间开始之日不计算在内). So feedback received on Tuesday 2025-09-30
 * 10:00 with a 5-working-day limit is due on 2025-10-14 18:00: 10-01…10-08 are the National Day
 * holiday, then 10-09, 10-10, 10-11 (a make-up Saturday, 调休), 10-13, 10-14.
 */
import type { WorkingCalendar, Ymd } from '../calendar.js';
import { addDaysYmd, assertValidDate, fromZoned, parseHhmm, toZoned } from './zoned-time.js';

/** What working-day arithmetic needs: the calendar port and the business clock. */
export interface BusinessDayOptions {
  calendar: WorkingCalendar;
  /** IANA time zone of business time (config `timezone`). */
  timezone: string;
  /** End of the business day, `HH:mm` business time (config `calendar.endOfDay`). */
  endOfDay: string;
}

/** Longest run of non-working days tolerated before the calendar is judged broken. */
export const MAX_NON_WORKING_RUN = 400;

/**
 * The first working day strictly after business date `ymd`.
 * @throws RangeError if no working day follows within {@link MAX_NON_WORKING_RUN} days
 *   (a misconfigured calendar) or `ymd` is malformed.
 */
export function nextWorkdayYmd(calendar: WorkingCalendar, ymd: Ymd): Ymd {
  let d = ymd;
  for (let i = 0; i < MAX_NON_WORKING_RUN; i += 1) {
    d = addDaysYmd(d, 1);
    if (calendar.isWorkday(d)) return d;
  }
  throw new RangeError(`no working day within ${MAX_NON_WORKING_RUN} days after ${ymd}`);
}

/**
 * The N-th working day strictly after business date `ymd` (`n = 0` returns `ymd` itself).
 * @param n whole number of working days, >= 0
 * @throws RangeError for a negative or fractional `n`, or as {@link nextWorkdayYmd}.
 */
export function addWorkingDaysYmd(calendar: WorkingCalendar, ymd: Ymd, n: number): Ymd {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number >= 0, got ${String(n)}`);
  let d = ymd;
  for (let i = 0; i < n; i += 1) d = nextWorkdayYmd(calendar, d);
  return d;
}

/**
 * Deadline of a limit of `n` working days from clock start `start`: `endOfDay` business time on
 * the N-th working day after the business date of `start` (see the module comment). Returns UTC.
 * @throws RangeError for an invalid `start`, `n`, `endOfDay` or time zone.
 */
export function workingDaysDeadline(start: Date, n: number, opts: BusinessDayOptions): Date {
  assertValidDate(start, 'clock start');
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a whole number >= 1, got ${String(n)}`);
  const eod = parseHhmm(opts.endOfDay);
  const day = addWorkingDaysYmd(opts.calendar, toZoned(start, opts.timezone).ymd, n);
  return fromZoned(day, eod, opts.timezone);
}

/**
 * Deadline of a `sameDay` limit ("当天", 001 school: an inquiry item gets a handling opinion the
 * same day): `endOfDay` business time on the clock's business date when that date is a working
 * day and the clock starts before its end of day; otherwise `endOfDay` of the next working day
 * (a report at 19:00, or on a Saturday or a holiday, is due at the end of the next working day).
 * Returns UTC.
 * @throws RangeError for an invalid `start`, `endOfDay` or time zone.
 */
export function sameDayDeadline(start: Date, opts: BusinessDayOptions): Date {
  assertValidDate(start, 'clock start');
  const eod = parseHhmm(opts.endOfDay);
  const { ymd } = toZoned(start, opts.timezone);
  if (opts.calendar.isWorkday(ymd)) {
    const today = fromZoned(ymd, eod, opts.timezone);
    if (start.getTime() < today.getTime()) return today;
  }
  return fromZoned(nextWorkdayYmd(opts.calendar, ymd), eod, opts.timezone);
}
