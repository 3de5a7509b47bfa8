import { ChineseWorkingCalendar } from '../../../src/calendar/ChineseWorkingCalendar.js';
import { sameDayDeadline, workingDaysDeadline } from '../../../src/domain/milestones/index.js';

const sh = (wall: string): Date => new Date(`${wall.replace(' ', 'T')}:00+08:00`);
const opts = { calendar: new ChineseWorkingCalendar(), timezone: 'Asia/Shanghai', endOfDay: '18:00' };

describe('working-day deadlines on the real statutory calendar (000 L8 written answer within 5 working days)', () => {
  test('5 working days from Tue 2025-09-30 skip the Oct 1–8 holiday and count Saturday Oct 11 (调休): due Tue Oct 14 18:00', () => {
    expect(workingDaysDeadline(sh('2025-09-30 10:00'), 5, opts)).toEqual(sh('2025-10-14 18:00'));
  });

  test('5 working days from Fri 2025-09-26 count Sunday Sept 28 (调休): Sept 28, 29, 30, Oct 9, 10 → due Fri Oct 10 18:00', () => {
    expect(workingDaysDeadline(sh('2025-09-26 15:00'), 5, opts)).toEqual(sh('2025-10-10 18:00'));
  });

  test('feedback received during the holiday (Sat 2025-10-04) counts from Oct 9 (9, 10, Sat 11, 13, 14): due Tue Oct 14 18:00', () => {
    expect(workingDaysDeadline(sh('2025-10-04 09:00'), 5, opts)).toEqual(sh('2025-10-14 18:00'));
  });

  test('config overrides change the count: an extra holiday on Oct 13 pushes the due date to Oct 15', () => {
    const o = { ...opts, calendar: new ChineseWorkingCalendar({ extraHolidays: ['2025-10-13'] }) };
    expect(workingDaysDeadline(sh('2025-09-30 10:00'), 5, o)).toEqual(sh('2025-10-15 18:00'));
  });

  test('same-day limit (001 school) reported on the eve of the holiday after 18:00 is due at the end of Oct 9', () => {
    expect(sameDayDeadline(sh('2025-09-30 19:30'), opts)).toEqual(sh('2025-10-09 18:00'));
  });

  test('same-day limit reported on the make-up Sunday Sept 28 is due that day at 18:00', () => {
    expect(sameDayDeadline(sh('2025-09-28 09:00'), opts)).toEqual(sh('2025-09-28 18:00'));
  });
});
