/**
 * Business-time helpers built on `Intl` only (the domain imports no libraries). Instants are UTC
 * `Date`s; the business time zone comes from config (default Asia/Shanghai). Never the machine zone.
 */

const partsCache = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone. */
export interface WallTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** The wall-clock time of `at` in `timeZone`. */
export function wallTime(at: Date, timeZone: string): WallTime {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Business date of `at` as `YYYYMMDD` (used in incident ids `YQ-YYYYMMDD-NNN`). */
export function businessDateCompact(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}${pad(w.month)}${pad(w.day)}`;
}

/** Business date of `at` as `YYYY-MM-DD`. */
export function businessDate(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** `MM-DD HH:mm` in business time, for chat messages. */
export function formatBusinessShort(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** `YYYY-MM-DD HH:mm` in business time. */
export function formatBusiness(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * The UTC instant of a business wall-clock time (e.g. 2026-11-29 10:30 in Asia/Shanghai →
 * 2026-11-29T02:30:00Z). Handles DST zones by re-checking the offset once.
 */
export function fromWallTime(w: Omit<WallTime, 'second'> & { second?: number }, timeZone: string): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0);
  let guess = asUtc - offsetMs(new Date(asUtc), timeZone);
  const second = asUtc - offsetMs(new Date(guess), timeZone);
  if (second !== guess) guess = second;
  return new Date(guess);
}

/** Offset of `timeZone` from UTC at instant `at`, ms (Asia/Shanghai: +8 h). */
export function offsetMs(at: Date, timeZone: string): number {
  const w = wallTime(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}
