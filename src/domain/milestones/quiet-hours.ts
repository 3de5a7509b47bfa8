/**
 * Quiet hours (config `escalation.quietHours`, per level): a business-time window with no chasing;
 * a notification that falls inside is deferred to the window's end. Our default keeps levels III
 * and IV quiet at night while I and II chase around the clock (domain.md "Monitoring and duty":
 * leaders keep phones on during serious items).
 */
import type { QuietHours } from './specs.js';
import { addDaysYmd, fromZoned, parseHhmm, toZoned } from './zoned-time.js';

/**
 * The end of the quiet window containing `at`, or `null` when `at` is outside it. The window is
 * `[start, end)` in business time; `end < start` crosses midnight (22:00–07:30 covers 23:00 and
 * 06:00); `start == end` is an empty window.
 * @throws RangeError for a malformed `HH:mm` or an unknown time zone.
 */
export function quietWindowEnd(at: Date, window: QuietHours, timezone: string): Date | null {
  const s = parseHhmm(window.start) * 60_000;
  const e = parseHhmm(window.end) * 60_000;
  if (s === e) return null;
  const { ymd, msOfDay: t } = toZoned(at, timezone);
  const endMin = e / 60_000;
  if (s < e) return t >= s && t < e ? fromZoned(ymd, endMin, timezone) : null;
  if (t >= s) return fromZoned(addDaysYmd(ymd, 1), endMin, timezone);
  if (t < e) return fromZoned(ymd, endMin, timezone);
  return null;
}

/**
 * `at` itself, or the end of the quiet window containing it. Monotonic: a later `at` never gets
 * an earlier result, so deferring keeps steps in order. No window (`undefined`): `at` unchanged.
 * @throws RangeError as {@link quietWindowEnd}.
 */
export function deferOutOfQuietHours(at: Date, window: QuietHours | undefined, timezone: string): Date {
  if (!window) return new Date(at);
  return quietWindowEnd(at, window, timezone) ?? new Date(at);
}
