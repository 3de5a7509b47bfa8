/**
 * Time scale for drills (演练): every duration the bot plans is multiplied by `timeScale`, so a
 * drill with `timeScale = 0.001` plays a 30-minute deadline in 1.8 seconds. `1` is real time.
 *
 * Units: milliseconds in, milliseconds out; minutes are converted with {@link MINUTE_MS}.
 * Deadlines are scaled as spans from their clock start (see `planMilestones`), never as absolute
 * instants, so the wall clock of a drill stays real.
 */

/** One minute in milliseconds. */
export const MINUTE_MS = 60_000;

/**
 * Checks that a time scale is usable: a finite number greater than 0.
 * @throws RangeError naming the bad value.
 */
export function assertTimeScale(timeScale: number): void {
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw new RangeError(`timeScale must be a finite number > 0, got ${String(timeScale)}`);
  }
}

/**
 * Scales a duration: `round(ms × timeScale)`. A zero duration stays 0; a positive one never
 * collapses below 1 ms (so a deadline stays strictly after its clock start).
 * @param ms duration in milliseconds, >= 0
 * @throws RangeError if `ms` is negative or not finite, or the time scale is invalid.
 */
export function scaleMs(ms: number, timeScale: number): number {
  assertTimeScale(timeScale);
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`duration must be a finite number >= 0 ms, got ${String(ms)}`);
  if (ms === 0) return 0;
  return Math.max(1, Math.round(ms * timeScale));
}

/**
 * Scales a duration given in minutes and returns milliseconds: `scaleMs(minutes × 60 000)`.
 * @throws RangeError as {@link scaleMs}.
 */
export function scaleMinutes(minutes: number, timeScale: number): number {
  return scaleMs(minutes * MINUTE_MS, timeScale);
}

/**
 * Scales the span from `start` to `end` and returns the new end: `start + scaleMs(end − start)`.
 * With `timeScale = 1` it returns a copy of `end`.
 * @throws RangeError if `end` is before `start`, or the time scale is invalid.
 */
export function scaleSpan(start: Date, end: Date, timeScale: number): Date {
  const span = end.getTime() - start.getTime();
  if (span < 0) throw new RangeError(`span end ${end.toISOString()} is before its start ${start.toISOString()}`);
  return new Date(start.getTime() + scaleMs(span, timeScale));
}
