/**
 * Business-time formatting for messages and ids, on top of the `Intl`-based arithmetic of
 * `milestones/zoned-time.ts`. Instants are UTC `Date`s; the business time zone comes from config
 * (default Asia/Shanghai). Never the machine zone.
 */
import { fromZoned, splitYmd, toZoned } from './milestones/zoned-time.js';

/** Wall-clock fields of an instant in a time zone. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The wall-clock time of `at` in `timeZone`. @throws RangeError for an unknown zone. */
export function wallTime(at: Date, timeZone: string): WallTime {
  const z = toZoned(at, timeZone);
  const [year, month, day] = splitYmd(z.ymd);
  const s = Math.floor(z.msOfDay / 1000);
  return { year, month, day, hour: Math.floor(s / 3600), minute: Math.floor(s / 60) % 60, second: s % 60 };
}

/** Business date of `at` as `YYYYMMDD` (used in incident ids `YQ-YYYYMMDD-NNN`). */
export function businessDateCompact(at: Date, timeZone: string): string {
  return toZoned(at, timeZone).ymd.replace(/-/g, '');
}

/** `MM-DD HH:mm` in business time, for chat messages. */
export function formatBusinessShort(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** `YYYY-MM-DD HH:mm` in business time. */
export function formatBusiness(at: Date, timeZone: string): string {
  return `${toZoned(at, timeZone).ymd} ${formatBusinessShort(at, timeZone).slice(6)}`;
}

/**
 * The UTC instant of a business wall-clock time, to the minute (e.g. 2026-11-29 10:30 in
 * Asia/Shanghai → 2026-11-29T02:30:00Z). DST gaps and overlaps as in `fromZoned`.
 */
export function fromWallTime(w: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'>, timeZone: string): Date {
  return fromZoned(`${w.year}-${pad(w.month)}-${pad(w.day)}`, w.hour * 60 + w.minute, timeZone);
}

/**
 * A fast `formatBusiness` for many instants (the 台账 export formats hundreds of thousands): the
 * zone's offset is looked up once per 15-minute UTC slot (every real zone changes its offset on a
 * 15-minute boundary) and cached in the returned function, the rest is UTC arithmetic. Same
 * output as `formatBusiness` (`YYYY-MM-DD HH:mm`); keep one per export, not per process.
 * @throws RangeError for an unknown zone (at the first call).
 */
export function businessFormatter(timeZone: string): (at: Date) => string {
  const slotMs = 15 * 60_000;
  const offsets = new Map<number, number>();
  return (at) => {
    const slot = Math.floor(at.getTime() / slotMs);
    let off = offsets.get(slot);
    if (off === undefined) {
      const start = new Date(slot * slotMs);
      const w = wallTime(start, timeZone);
      off = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - start.getTime();
      offsets.set(slot, off);
    }
    const d = new Date(at.getTime() + off);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  };
}
