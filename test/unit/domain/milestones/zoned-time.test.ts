import fc from 'fast-check';
import {
  addDaysYmd,
  fromZoned,
  parseHhmm,
  splitYmd,
  toZoned,
  weekdayOf,
} from '../../../../src/domain/milestones/index.js';

const intlFormats = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock fields of `t` (UTC ms) in `zone`, by `Intl.DateTimeFormat#formatToParts` alone: the tests' reference. */
function intlParts(t: number, zone: string): Record<string, number> {
  let fmt = intlFormats.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    intlFormats.set(zone, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return p;
}

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

describe('toZoned with cached offsets (issue 15 item 2) agrees with Intl everywhere', () => {
  const reference = (at: Date, timeZone: string) => {
    const p = intlParts(at.getTime(), timeZone);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return {
      ymd: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`,
      msOfDay: ((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + at.getUTCMilliseconds(),
    };
  };
  test.each(['Asia/Shanghai', 'America/New_York', 'Australia/Lord_Howe'])(
    '%s: random instants 1900–2100 and every 5 minutes around the 2026 transitions',
    (zone) => {
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (t) => {
          expect(toZoned(new Date(t), zone)).toEqual(reference(new Date(t), zone));
        }),
        { numRuns: 200 },
      );
      for (const day of [Date.UTC(2026, 2, 8), Date.UTC(2026, 2, 29), Date.UTC(2026, 3, 5), Date.UTC(2026, 10, 1)])
        for (let t = day - 43_200_000; t < day + 43_200_000; t += 300_007) {
          const got = toZoned(new Date(t), zone);
          const want = reference(new Date(t), zone);
          if (got.ymd !== want.ymd || got.msOfDay !== want.msOfDay) expect(got).toEqual(want);
        }
    },
  );
});

describe('fromZoned with cached offsets (issue 15 target 1) agrees with the same rule by Intl alone', () => {
  /** Wall time of `t` in `zone` as UTC ms, by formatToParts only. */
  const wallByIntl = (t: number, zone: string): number => {
    const p = intlParts(t, zone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + new Date(t).getUTCMilliseconds();
  };
  /** The rule of fromZoned's docstring: the earliest instant showing that wall time, else forward by the gap. */
  const reference = (ymd: string, minute: number, zone: string): number => {
    const [y, m, d] = ymd.split('-').map(Number);
    const wall = Date.UTC(y, m - 1, d) + minute * 60_000;
    const first = wall - (wallByIntl(wall, zone) - wall);
    const second = wall - (wallByIntl(first, zone) - first);
    const exact = [first, second].filter((t) => wallByIntl(t, zone) === wall);
    return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
  };
  test.each(['Asia/Shanghai', 'America/New_York', 'Australia/Lord_Howe'])(
    '%s: random dates 1900–2100 and every 10 minutes of the 2026 transition days',
    (zone) => {
      fc.assert(
        fc.property(
          fc.integer({ min: Date.UTC(1900, 0, 1) / 86_400_000, max: Date.UTC(2100, 0, 1) / 86_400_000 }),
          fc.integer({ min: 0, max: 1440 }),
          (day, minute) => {
            const ymd = new Date(day * 86_400_000).toISOString().slice(0, 10);
            expect(fromZoned(ymd, minute, zone).getTime()).toBe(reference(ymd, minute, zone));
          },
        ),
        { numRuns: 200 },
      );
      for (const ymd of ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-11-01'])
        for (let minute = 0; minute <= 1440; minute += 10) {
          const got = fromZoned(ymd, minute, zone).getTime();
          if (got !== reference(ymd, minute, zone)) expect(got).toBe(reference(ymd, minute, zone));
        }
    },
  );
});
