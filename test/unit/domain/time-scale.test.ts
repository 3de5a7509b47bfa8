import { loadOrgConfig } from '../../../src/config/load.js';
import { Directory } from '../../../src/domain/Directory.js';
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

  test('a drill shows simulated time after its start, and times before its start as they were (a 补发 rollup due at 17:30)', () => {
    const epoch = new Date('2026-12-02T12:00:00Z'); // 20:00 in Asia/Shanghai
    const dir = new Directory(loadOrgConfig('config/default.yaml'), { timeScale: 0.0005, epoch });
    // 1.8 s after the start reads one hour later
    expect(dir.formatShort(new Date(epoch.getTime() + 1800))).toBe('12-02 21:00');
    // the day's rollup was due at 17:30, before the drill started: not stretched into the past
    expect(dir.formatShort(new Date('2026-12-02T09:30:00Z'))).toBe('12-02 17:30');
  });
});
