/**
 * Working-day calendar port (domain.md "Time limits": "working days follow the Chinese statutory
 * calendar, including make-up workdays (调休)").
 *
 * The domain only asks one question — is this business date a working day? — and does all
 * counting and time-zone arithmetic itself (src/domain/milestones/working-days.ts), with `Intl`
 * only. The implementation lives outside the domain (src/calendar/ChineseWorkingCalendar.ts, on
 * the `chinese-days` library, with config overrides), because the domain imports no libraries.
 */

/** A business date as `YYYY-MM-DD` (a calendar date in the business time zone, no time). */
export type Ymd = string;

/** Answers whether a business date is a working day. Implementations must be pure and fast. */
export interface WorkingCalendar {
  /**
   * True if `dateYmd` (`YYYY-MM-DD`) is a working day: a Monday–Friday that is not a statutory
   * holiday, or a make-up workday (调休) that falls on a weekend.
   * @throws RangeError if `dateYmd` is not a valid `YYYY-MM-DD` date.
   */
  isWorkday(dateYmd: Ymd): boolean;
}
