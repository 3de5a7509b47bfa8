import { assertTimeScale, scaleMinutes, scaleMs, scaleSpan } from '../../../src/domain/time-scale.js';

describe('time scale for drills (演练)', () => {
  test('timeScale 0.001 compresses a 30-minute limit (004 report up) to 1.8 seconds', () => {
    expect(scaleMinutes(30, 0.001)).toBe(1800);
  });

  test('timeScale 1 keeps real time; zero stays zero; a positive duration never collapses below 1 ms', () => {
    expect(scaleMs(90_000, 1)).toBe(90_000);
    expect(scaleMs(0, 0.001)).toBe(0);
    expect(scaleMs(100, 0.001)).toBe(1);
  });

  test('scaleSpan scales the span after a start instant', () => {
    const start = new Date('2025-11-14T02:00:00Z');
    expect(scaleSpan(start, new Date('2025-11-14T04:00:00Z'), 0.5)).toEqual(new Date('2025-11-14T03:00:00Z'));
    expect(() => scaleSpan(start, new Date('2025-11-14T01:00:00Z'), 1)).toThrow(RangeError);
  });

  test('invalid time scales and durations are rejected with RangeError', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => assertTimeScale(bad)).toThrow(RangeError);
    expect(() => scaleMs(-5, 1)).toThrow(RangeError);
  });
});
