import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ChineseWorkingCalendar } from '../../../src/calendar/ChineseWorkingCalendar.js';

const calendarModule = resolve('src/calendar/ChineseWorkingCalendar.ts');

/** Runs an async function body in a fresh Node process whose machine zone is `tz`; returns its JSON result. */
function runInZone<T = any>(tz: string, body: string): T {
  const code = `(async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, TZ: tz, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}

/** Working days of 2025 by this process's calendar. */
function workdaysOf2025(): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(2025, 0, 1); t <= Date.UTC(2025, 11, 31); t += 864e5) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (cal.isWorkday(d)) out.push(d);
  }
  return out;
}

const cal = new ChineseWorkingCalendar();

describe('ChineseWorkingCalendar (domain.md "Time limits": statutory calendar with 调休)', () => {
  test('2025 National Day and Mid-Autumn: Oct 1–8 are holidays, including the weekdays Oct 6–8', () => {
    for (const d of ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-06', '2025-10-07', '2025-10-08']) {
      expect([d, cal.isWorkday(d)]).toEqual([d, false]);
    }
    expect(cal.isWorkday('2025-09-30')).toBe(true);
    expect(cal.isWorkday('2025-10-09')).toBe(true);
  });

  test('2025 make-up workdays (调休): Sunday Sept 28 and Saturday Oct 11 are working days', () => {
    expect(cal.isWorkday('2025-09-28')).toBe(true);
    expect(cal.isWorkday('2025-10-11')).toBe(true);
  });

  test('ordinary weekends stay days off (Sat 2025-09-27, Sun 2025-10-12)', () => {
    expect(cal.isWorkday('2025-09-27')).toBe(false);
    expect(cal.isWorkday('2025-10-12')).toBe(false);
  });

  test('2026 Spring Festival: Feb 15–23 off, Saturday Feb 14 and Feb 28 worked', () => {
    expect(cal.isWorkday('2026-02-16')).toBe(false);
    expect(cal.isWorkday('2026-02-23')).toBe(false);
    expect(cal.isWorkday('2026-02-14')).toBe(true);
    expect(cal.isWorkday('2026-02-28')).toBe(true);
    expect(cal.isWorkday('2026-02-24')).toBe(true);
  });

  test('config extraHolidays win over the library (a workday becomes a day off)', () => {
    const c = new ChineseWorkingCalendar({ extraHolidays: ['2025-10-09'] });
    expect(c.isWorkday('2025-10-09')).toBe(false);
    expect(c.isWorkday('2025-10-10')).toBe(true);
  });

  test('config extraWorkdays win over the library (a holiday or a Sunday becomes a working day)', () => {
    const c = new ChineseWorkingCalendar({ extraWorkdays: ['2025-10-08', '2025-10-12'] });
    expect(c.isWorkday('2025-10-08')).toBe(true);
    expect(c.isWorkday('2025-10-12')).toBe(true);
    expect(c.isWorkday('2025-10-07')).toBe(false);
  });

  test('a date listed as both extra holiday and extra workday is rejected at construction', () => {
    expect(() => new ChineseWorkingCalendar({ extraHolidays: ['2025-10-09'], extraWorkdays: ['2025-10-09'] })).toThrow(
      /2025-10-09 listed as both/,
    );
  });

  test('malformed or impossible dates are rejected with RangeError, in overrides and queries', () => {
    expect(() => new ChineseWorkingCalendar({ extraHolidays: ['2025-02-30'] })).toThrow(RangeError);
    expect(() => cal.isWorkday('2025/10/01')).toThrow(RangeError);
    expect(() => cal.isWorkday('2025-13-01')).toThrow(RangeError);
  });

  test('answers do not depend on the machine time zone: a process in UTC−7 (Los Angeles) agrees day by day for 2025', () => {
    const here = workdaysOf2025();
    const la = runInZone(
      'America/Los_Angeles',
      `
      const { ChineseWorkingCalendar } = await import(${JSON.stringify(calendarModule)});
      const c = new ChineseWorkingCalendar();
      const out = [];
      for (let t = Date.UTC(2025, 0, 1); t <= Date.UTC(2025, 11, 31); t += 864e5) {
        const d = new Date(t).toISOString().slice(0, 10);
        if (c.isWorkday(d)) out.push(d);
      }
      return { offset: new Date(2025, 9, 1).getTimezoneOffset(), workdays: out };`,
    );
    expect(la.offset).toBe(420);
    expect(la.workdays).toEqual(here);
    // 261 weekdays − 18 weekday holidays + 5 make-up weekend days (Jan 26, Feb 8, Apr 27, Sep 28, Oct 11)
    expect(here).toHaveLength(248);
  });

  test('agrees with chinese-days isWorkday() for every day of 2024–2026 when the library runs in Asia/Shanghai', () => {
    const r = runInZone(
      'Asia/Shanghai',
      `
      const { ChineseWorkingCalendar } = await import(${JSON.stringify(calendarModule)});
      const lib = (await import('chinese-days')).default;
      const c = new ChineseWorkingCalendar();
      const mismatches = []; let days = 0;
      for (let t = Date.UTC(2024, 0, 1); t <= Date.UTC(2026, 11, 31); t += 864e5, days++) {
        const d = new Date(t).toISOString().slice(0, 10);
        if (c.isWorkday(d) !== lib.isWorkday(d)) mismatches.push(d);
      }
      return { days, mismatches };`,
    );
    expect(r).toEqual({ days: 1096, mismatches: [] });
  });

  test('hasHolidayData tells which years the library knows (2025 yes, 2099 no)', () => {
    expect(cal.hasHolidayData(2025)).toBe(true);
    expect(cal.hasHolidayData(2099)).toBe(false);
  });
});
