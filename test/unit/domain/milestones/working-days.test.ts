import {
  addWorkingDaysYmd,
  nextWorkdayYmd,
  sameDayDeadline,
  workingDaysDeadline,
  type WorkingCalendar,
} from '../../../../src/domain/milestones/index.js';
import { calendar, sh, TZ } from './fixtures.js';

const opts = { calendar, timezone: TZ, endOfDay: '18:00' };

describe('working days (domain.md "Time limits": statutory calendar including 调休)', () => {
  test('nextWorkdayYmd skips the 2025 National Day holiday (Sept 30 → Oct 9) and lands on the make-up Saturday Oct 11 after Oct 10', () => {
    expect(nextWorkdayYmd(calendar, '2025-09-30')).toBe('2025-10-09');
    expect(nextWorkdayYmd(calendar, '2025-10-10')).toBe('2025-10-11');
    expect(nextWorkdayYmd(calendar, '2025-09-26')).toBe('2025-09-28');
  });

  test('addWorkingDaysYmd counts only working days after the start date; 0 returns the date itself', () => {
    expect(addWorkingDaysYmd(calendar, '2025-09-30', 3)).toBe('2025-10-11');
    expect(addWorkingDaysYmd(calendar, '2025-09-30', 0)).toBe('2025-09-30');
    expect(() => addWorkingDaysYmd(calendar, '2025-09-30', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDaysYmd(calendar, '2025-09-30', -1)).toThrow(RangeError);
  });

  test('a 5-working-day limit (000 L8) ends at endOfDay of the 5th working day after the clock date, whatever the clock time', () => {
    expect(workingDaysDeadline(sh('2025-09-30 08:00'), 5, opts)).toEqual(sh('2025-10-14 18:00'));
    expect(workingDaysDeadline(sh('2025-09-30 23:59'), 5, opts)).toEqual(sh('2025-10-14 18:00'));
  });

  test('a 1-working-day limit from a Friday evening before an ordinary weekend is Monday 18:00', () => {
    expect(workingDaysDeadline(sh('2025-11-14 20:00'), 1, opts)).toEqual(sh('2025-11-17 18:00'));
  });

  test('endOfDay comes from config: 17:30 moves the deadline accordingly', () => {
    expect(workingDaysDeadline(sh('2025-11-14 10:00'), 1, { ...opts, endOfDay: '17:30' })).toEqual(
      sh('2025-11-17 17:30'),
    );
  });

  test('same-day limit (001 school): before endOfDay on a working day → that day at endOfDay', () => {
    expect(sameDayDeadline(sh('2025-11-14 09:15'), opts)).toEqual(sh('2025-11-14 18:00'));
  });

  test('same-day limit: at or after endOfDay → endOfDay of the next working day', () => {
    expect(sameDayDeadline(sh('2025-11-14 18:00'), opts)).toEqual(sh('2025-11-17 18:00'));
    expect(sameDayDeadline(sh('2025-11-14 21:00'), opts)).toEqual(sh('2025-11-17 18:00'));
  });

  test('same-day limit on a weekend or holiday → endOfDay of the next working day', () => {
    expect(sameDayDeadline(sh('2025-11-15 10:00'), opts)).toEqual(sh('2025-11-17 18:00'));
    expect(sameDayDeadline(sh('2025-10-03 10:00'), opts)).toEqual(sh('2025-10-09 18:00'));
  });

  test('a clock that starts after 16:00Z on a UTC date is already the next Shanghai business date', () => {
    // 2025-11-13T17:00Z is Friday 2025-11-14 01:00 in Shanghai.
    expect(sameDayDeadline(new Date('2025-11-13T17:00:00Z'), opts)).toEqual(sh('2025-11-14 18:00'));
  });

  test('a calendar without working days is reported as a RangeError instead of looping forever', () => {
    const never: WorkingCalendar = { isWorkday: () => false };
    expect(() => workingDaysDeadline(sh('2025-11-14 10:00'), 1, { ...opts, calendar: never })).toThrow(
      /no working day within/,
    );
  });

  test('invalid inputs are rejected: malformed endOfDay, invalid Date, zero working days', () => {
    expect(() => sameDayDeadline(sh('2025-11-14 10:00'), { ...opts, endOfDay: '18h' })).toThrow(RangeError);
    expect(() => workingDaysDeadline(new Date(NaN), 5, opts)).toThrow(RangeError);
    expect(() => workingDaysDeadline(sh('2025-11-14 10:00'), 0, opts)).toThrow(RangeError);
  });
});
