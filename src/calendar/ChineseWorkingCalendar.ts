/**
 * The Chinese statutory working-day calendar (domain.md "Time limits": working days follow the
 * statutory calendar including make-up workdays 调休), implementing the domain's
 * `WorkingCalendar` port with the `chinese-days` library plus config overrides
 * (`calendar.extraHolidays`, `calendar.extraWorkdays`), which take precedence over the library.
 *
 * The library knows the State Council's arrangements only for the years it ships data for
 * (2004–2026 in chinese-days 1.5.7); other years count Monday–Friday as working days.
 * `hasHolidayData(year)` tells which years are known, so start-up can warn, and the config
 * overrides can fill a gap before the library is updated.
 */
import { createRequire } from 'node:module';
import type { WorkingCalendar, Ymd } from '../domain/calendar.js';
import { splitYmd, weekdayOf } from '../domain/milestones/zoned-time.js';

/** Config `calendar:` overrides (YYYY-MM-DD business dates). */
export interface CalendarOverrides {
  /** Days off the library does not know (extra holidays). */
  extraHolidays?: readonly string[];
  /** Working days the library does not know (extra make-up workdays). */
  extraWorkdays?: readonly string[];
}

/**
 * The library's published data (`chinese-days/dist/chinese-days.json`, documented in its README):
 * date → description, for statutory holidays and make-up workdays.
 *
 * Why the data and not `chineseDays.isWorkday()`: the library builds its date keys at load time
 * with the machine's local-time getters from UTC-parsed strings, so on a machine west of UTC every
 * key shifts one day back (e.g. in America/Los_Angeles it answers that Monday 2025-10-13 is not a
 * working day). Our rule is never to depend on the machine's zone; the JSON is built once by the
 * library's maintainers and is zone-free. The lookup below is the library's own rule: a make-up
 * workday works, a holiday does not, otherwise Monday–Friday work.
 */
interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const data = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as ChineseDaysData;

const knownYears: ReadonlySet<string> = new Set(Object.keys(data.holidays).map((d) => d.slice(0, 4)));

/** Working days per the Chinese statutory calendar with config overrides. Immutable. */
export class ChineseWorkingCalendar implements WorkingCalendar {
  private readonly holidays: ReadonlySet<string>;
  private readonly workdays: ReadonlySet<string>;

  /**
   * @throws RangeError if an override is not a real `YYYY-MM-DD` date, or a date is listed both as
   *   an extra holiday and an extra workday (config must say which).
   */
  constructor(overrides: CalendarOverrides = {}) {
    const holidays = overrides.extraHolidays ?? [];
    const workdays = overrides.extraWorkdays ?? [];
    for (const d of [...holidays, ...workdays]) splitYmd(d);
    const both = holidays.filter((d) => workdays.includes(d));
    if (both.length > 0)
      throw new RangeError(`calendar: ${both.join(', ')} listed as both extraHolidays and extraWorkdays`);
    this.holidays = new Set(holidays);
    this.workdays = new Set(workdays);
  }

  /**
   * True for a working day: an `extraWorkdays` date; never an `extraHolidays` date; otherwise the
   * library's answer (statutory holidays off, make-up weekend days on, else Monday–Friday).
   * @throws RangeError for a malformed date.
   */
  isWorkday(dateYmd: Ymd): boolean {
    splitYmd(dateYmd);
    if (this.workdays.has(dateYmd)) return true;
    if (this.holidays.has(dateYmd)) return false;
    if (data.workdays[dateYmd] !== undefined) return true;
    if (data.holidays[dateYmd] !== undefined) return false;
    const wd = weekdayOf(dateYmd);
    return wd >= 1 && wd <= 5;
  }

  /** True if the library ships the statutory holiday arrangement of `year` (e.g. 2025). */
  hasHolidayData(year: number): boolean {
    return knownYears.has(String(year));
  }
}
