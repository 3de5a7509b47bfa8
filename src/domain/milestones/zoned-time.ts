/**
 * Business-time arithmetic with `Intl` only (a Node built-in; the domain imports no libraries).
 * Instants are UTC `Date`s; a business date is `YYYY-MM-DD` and a business time is minutes since
 * business midnight, both in an IANA time zone from config (default Asia/Shanghai). The machine's
 * own zone is never used.
 */
import type { Ymd } from '../calendar.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A cached formatter for `timeZone`.
 * @throws RangeError if the time zone is unknown (from `Intl`).
 */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** An instant seen in the business time zone. */
export interface ZonedTime {
  /** Business date, `YYYY-MM-DD`. */
  ymd: Ymd;
  /** Milliseconds since business midnight of `ymd` (0 … 86 399 999). */
  msOfDay: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * The business date and time of day of `at` in `timeZone`.
 * @throws RangeError for an invalid `Date` or an unknown time zone.
 */
export function toZoned(at: Date, timeZone: string): ZonedTime {
  assertValidDate(at);
  const t = at.getTime();
  const offset = cachedOffset(t, timeZone);
  if (offset === undefined) return zonedByIntl(at, timeZone);
  const wall = new Date(t + offset);
  const ms =
    wall.getUTCHours() * 3_600_000 +
    wall.getUTCMinutes() * 60_000 +
    wall.getUTCSeconds() * 1000 +
    wall.getUTCMilliseconds();
  return {
    ymd: `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`,
    msOfDay: ms,
  };
}

/** `toZoned` by `Intl.DateTimeFormat#formatToParts` (slow: a few µs a call). */
function zonedByIntl(at: Date, timeZone: string): ZonedTime {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const ms = ((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + at.getUTCMilliseconds();
  return { ymd: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`, msOfDay: ms };
}

/** Offsets are cached per zone and 15-minute window of UTC, at most this many windows. */
const OFFSET_WINDOW_MS = 15 * 60_000;
const OFFSET_CACHE_MAX = 50_000;
/** Per zone: window start (ms) → offset (ms), or null for a window holding a transition. */
const offsets = new Map<string, Map<number, number | null>>();
let offsetsCached = 0;

/**
 * The zone's UTC offset (ms) throughout the 15-minute window holding `t`, from a cache; undefined
 * when the offset changes inside the window (a transition: callers use `Intl` directly). Measured
 * at both ends of the window by `Intl` on a miss (issue 15 item 2: `/查看` of a long ledger spent
 * most of its CPU in formatToParts).
 */
function cachedOffset(t: number, timeZone: string): number | undefined {
  const start = Math.floor(t / OFFSET_WINDOW_MS) * OFFSET_WINDOW_MS;
  let zone = offsets.get(timeZone);
  let o = zone?.get(start);
  if (o === undefined) {
    const a = intlOffset(start, timeZone);
    const b = intlOffset(start + OFFSET_WINDOW_MS - 1000, timeZone);
    o = a === b ? a : null;
    if (offsetsCached >= OFFSET_CACHE_MAX) {
      offsets.clear();
      offsetsCached = 0;
      zone = undefined;
    }
    if (!zone) {
      zone = new Map();
      offsets.set(timeZone, zone);
    }
    zone.set(start, o);
    offsetsCached += 1;
  }
  return o ?? undefined;
}

/** Offset at instant `t` by `Intl` (whole seconds), ms. */
function intlOffset(t: number, timeZone: string): number {
  const at = new Date(Math.floor(t / 1000) * 1000);
  const z = zonedByIntl(at, timeZone);
  const [y, m, d] = splitYmd(z.ymd);
  return Date.UTC(y, m - 1, d) + z.msOfDay - at.getTime();
}

/** Offset of `timeZone` from UTC at instant `t` (ms since epoch), in ms (Asia/Shanghai: +8 h). */
function offsetAt(t: number, timeZone: string): number {
  return wallOf(t, timeZone) - t;
}

/**
 * The UTC instant of business date `ymd` at `minuteOfDay` minutes after business midnight
 * (e.g. 2025-10-10, 1080 → 2025-10-10T10:00:00Z in Asia/Shanghai). In zones with daylight saving,
 * a wall time that does not exist (spring gap) moves forward by the gap (02:30 → 03:30); an
 * ambiguous one (autumn overlap) resolves to the earlier instant.
 * @throws RangeError for a malformed date, a minute outside 0…1440, or an unknown time zone.
 */
export function fromZoned(ymd: Ymd, minuteOfDay: number, timeZone: string): Date {
  const [y, m, d] = splitYmd(ymd);
  if (!Number.isFinite(minuteOfDay) || minuteOfDay < 0 || minuteOfDay > 1440) {
    throw new RangeError(`minute of day must be within 0…1440, got ${String(minuteOfDay)}`);
  }
  const wall = Date.UTC(y, m - 1, d) + minuteOfDay * 60_000;
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const exact = [first, second].filter((t) => wallOf(t, timeZone) === wall);
  return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(first, second));
}

/**
 * The business wall time of instant `t`, expressed as if it were UTC ms: `t` plus the cached
 * offset of its window (the same figure `toZoned` gives, without the date string round trip), or
 * by `toZoned` in a window holding a transition.
 */
function wallOf(t: number, timeZone: string): number {
  const offset = Number.isFinite(t) ? cachedOffset(t, timeZone) : undefined;
  if (offset !== undefined) return t + offset;
  const z = toZoned(new Date(t), timeZone);
  const [y, m, d] = splitYmd(z.ymd);
  return Date.UTC(y, m - 1, d) + z.msOfDay;
}

/**
 * Splits and validates `YYYY-MM-DD`.
 * @throws RangeError if malformed or not a real calendar date (e.g. 2025-02-30).
 */
export function splitYmd(ymd: Ymd): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) throw new RangeError(`date must be YYYY-MM-DD, got "${ymd}"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
    throw new RangeError(`not a calendar date: "${ymd}"`);
  }
  return [y, mo, d];
}

/**
 * The business date `days` calendar days after `ymd` (negative: before). Pure date arithmetic.
 * @throws RangeError for a malformed date.
 */
export function addDaysYmd(ymd: Ymd, days: number): Ymd {
  const [y, m, d] = splitYmd(ymd);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Day of the week of a business date: 0 = Sunday … 6 = Saturday. */
export function weekdayOf(ymd: Ymd): number {
  const [y, m, d] = splitYmd(ymd);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/**
 * Parses a business time `HH:mm` (config `calendar.endOfDay`, quiet hours) into minutes after
 * midnight. `24:00` is accepted as the end of the day (1440).
 * @throws RangeError if malformed or out of range (e.g. `25:00`, `12:60`).
 */
export function parseHhmm(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!m || min > 59 || h > 24 || (h === 24 && min !== 0)) {
    throw new RangeError(`time must be HH:mm within 00:00…24:00, got "${hhmm}"`);
  }
  return h * 60 + min;
}

/** @throws RangeError if `at` is not a valid `Date`. */
export function assertValidDate(at: Date, what = 'instant'): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError(`${what} must be a valid Date`);
}
