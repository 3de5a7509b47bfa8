import {
  addDaysYmd,
  fromZoned,
  parseHhmm,
  splitYmd,
  toZoned,
  weekdayOf,
} from '../../../../src/domain/milestones/index.js';

describe('business-time arithmetic with Intl only (times stored in UTC, business zone from config)', () => {
  test('toZoned gives the Asia/Shanghai business date and time of a UTC instant', () => {
    expect(toZoned(new Date('2025-09-30T16:30:00.250Z'), 'Asia/Shanghai')).toEqual({
      ymd: '2025-10-01',
      msOfDay: (30 * 60 + 0) * 1000 + 250,
    });
  });

  test('fromZoned turns a Shanghai wall time into UTC (18:00 → 10:00Z)', () => {
    expect(fromZoned('2025-10-14', 18 * 60, 'Asia/Shanghai')).toEqual(new Date('2025-10-14T10:00:00Z'));
    expect(fromZoned('2025-10-14', 1440, 'Asia/Shanghai')).toEqual(new Date('2025-10-14T16:00:00Z'));
  });

  test('daylight-saving zones: a wall time in the spring gap moves forward, an ambiguous one takes the earlier instant', () => {
    // New York 2025-03-09 02:30 does not exist (clocks jump 02:00 → 03:00): 03:30 EDT = 07:30Z.
    expect(fromZoned('2025-03-09', 150, 'America/New_York')).toEqual(new Date('2025-03-09T07:30:00Z'));
    // 2025-11-02 01:30 happens twice: first in EDT (05:30Z), then EST (06:30Z).
    expect(fromZoned('2025-11-02', 90, 'America/New_York')).toEqual(new Date('2025-11-02T05:30:00Z'));
    expect(fromZoned('2025-07-01', 9 * 60, 'America/New_York')).toEqual(new Date('2025-07-01T13:00:00Z'));
  });

  test('date helpers: add days across months and years, weekday of a date', () => {
    expect(addDaysYmd('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDaysYmd('2025-03-01', -1)).toBe('2025-02-28');
    expect(weekdayOf('2025-10-11')).toBe(6);
    expect(weekdayOf('2025-09-28')).toBe(0);
  });

  test('malformed input is rejected with RangeError: dates, HH:mm, time zones', () => {
    expect(() => splitYmd('2025-2-1')).toThrow(RangeError);
    expect(() => splitYmd('2025-02-29')).toThrow(/not a calendar date/);
    expect(() => parseHhmm('25:00')).toThrow(RangeError);
    expect(() => parseHhmm('12:60')).toThrow(RangeError);
    expect(() => parseHhmm('7:30')).toThrow(RangeError);
    expect(() => toZoned(new Date('2025-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => toZoned(new Date(NaN), 'Asia/Shanghai')).toThrow(RangeError);
    expect(() => fromZoned('2025-01-01', 1441, 'Asia/Shanghai')).toThrow(RangeError);
  });

  test('parseHhmm reads business times as minutes after midnight (24:00 = end of day)', () => {
    expect(parseHhmm('18:00')).toBe(1080);
    expect(parseHhmm('07:30')).toBe(450);
    expect(parseHhmm('24:00')).toBe(1440);
  });
});
