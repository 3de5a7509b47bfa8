import fc from 'fast-check';
import {
  chaseSchedule,
  firstChaseStep,
  type ChaseStep,
  type EscalationSpec,
} from '../../../../src/domain/milestones/index.js';
import { escalationSpec, min, sh, TZ } from './fixtures.js';

const view = (s: ChaseStep[]) => s.map((x) => [x.step, x.at.toISOString(), x.notifyAt.toISOString()]);
const iso = (wall: string) => sh(wall).toISOString();

describe('chase schedule (domain.md "Notification and escalation ladder"; config escalation)', () => {
  test('default policy, level I (no quiet hours): reminders at 50 % and 80 %, breach at due, then the ladder with cumulative waits', () => {
    const s = chaseSchedule(
      { startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 10:30') },
      escalationSpec,
      'I',
      TZ,
      1,
    );
    expect(view(s)).toEqual([
      ['remind:50', iso('2025-11-14 10:15'), iso('2025-11-14 10:15')],
      ['remind:80', iso('2025-11-14 10:24'), iso('2025-11-14 10:24')],
      ['breach', iso('2025-11-14 10:30'), iso('2025-11-14 10:30')],
      ['escalate:1:owner', iso('2025-11-14 10:30'), iso('2025-11-14 10:30')],
      ['escalate:2:directResponsible', iso('2025-11-14 10:45'), iso('2025-11-14 10:45')],
      ['escalate:3:firstResponsible', iso('2025-11-14 11:15'), iso('2025-11-14 11:15')],
      ['escalate:4:leadershipGroup', iso('2025-11-14 12:15'), iso('2025-11-14 12:15')],
      ['escalate:5:upperAuthority', iso('2025-11-14 14:15'), iso('2025-11-14 14:15')],
    ]);
    expect(s.map((x) => [x.kind, x.target])).toEqual([
      ['remind', 'owner'],
      ['remind', 'owner'],
      ['breach', 'owner'],
      ['escalate', 'owner'],
      ['escalate', 'directResponsible'],
      ['escalate', 'firstResponsible'],
      ['escalate', 'leadershipGroup'],
      ['escalate', 'upperAuthority'],
    ]);
    expect(s.find((x) => x.step === 'escalate:3:firstResponsible')?.rung).toBe(3);
    expect(s.find((x) => x.step === 'remind:80')?.fraction).toBe(0.8);
  });

  test('quiet hours (level III, 22:00–07:30): the breach keeps its time but is notified at 07:30; escalations inside the window defer to 07:30, order kept', () => {
    // statement reply (004, 12 h) found 10:00 → due 22:00, inside the window from its first minute.
    const s = chaseSchedule(
      { startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 22:00') },
      escalationSpec,
      'III',
      TZ,
      1,
    );
    expect(view(s)).toEqual([
      ['remind:50', iso('2025-11-14 16:00'), iso('2025-11-14 16:00')],
      ['remind:80', iso('2025-11-14 19:36'), iso('2025-11-14 19:36')],
      ['breach', iso('2025-11-14 22:00'), iso('2025-11-15 07:30')],
      ['escalate:1:owner', iso('2025-11-14 22:00'), iso('2025-11-15 07:30')],
      ['escalate:2:directResponsible', iso('2025-11-14 22:15'), iso('2025-11-15 07:30')],
      ['escalate:3:firstResponsible', iso('2025-11-14 22:45'), iso('2025-11-15 07:30')],
      ['escalate:4:leadershipGroup', iso('2025-11-14 23:45'), iso('2025-11-15 07:30')],
      ['escalate:5:upperAuthority', iso('2025-11-15 01:45'), iso('2025-11-15 07:30')],
    ]);
    expect(s.filter((x) => x.deferred).map((x) => x.step)).toEqual(s.slice(2).map((x) => x.step));
  });

  test('quiet hours: a step after the window end is not deferred; a reminder deferred to or past the due time is dropped', () => {
    // due 07:40: remind:50 at 06:50 → 07:30 (still before due, kept); remind:80 at 07:20 → 07:30 (kept).
    const early = chaseSchedule(
      { startsAt: sh('2025-11-15 06:00'), dueAt: sh('2025-11-15 07:40') },
      escalationSpec,
      'IV',
      TZ,
      1,
    );
    expect(view(early).slice(0, 3)).toEqual([
      ['remind:50', iso('2025-11-15 06:50'), iso('2025-11-15 07:30')],
      ['remind:80', iso('2025-11-15 07:20'), iso('2025-11-15 07:30')],
      ['breach', iso('2025-11-15 07:40'), iso('2025-11-15 07:40')],
    ]);
    // due 23:30: remind:80 at 22:42 would be deferred to 07:30, after the due time → dropped.
    const late = chaseSchedule(
      { startsAt: sh('2025-11-14 19:30'), dueAt: sh('2025-11-14 23:30') },
      escalationSpec,
      'III',
      TZ,
      1,
    );
    expect(late.map((x) => x.step).slice(0, 2)).toEqual(['remind:50', 'breach']);
  });

  test('quiet-hour edges: 22:00 is inside, 07:30 is outside; levels without quiet hours are never deferred', () => {
    const policy: EscalationSpec = { ...escalationSpec, remindAt: [], ladder: [] };
    const at = (wall: string, level: string) =>
      chaseSchedule({ startsAt: sh('2025-11-14 08:00'), dueAt: sh(wall) }, policy, level, TZ, 1)[0].notifyAt;
    expect(at('2025-11-14 22:00', 'III')).toEqual(sh('2025-11-15 07:30'));
    expect(at('2025-11-14 21:59', 'III')).toEqual(sh('2025-11-14 21:59'));
    expect(at('2025-11-15 07:30', 'III')).toEqual(sh('2025-11-15 07:30'));
    expect(at('2025-11-15 03:00', 'II')).toEqual(sh('2025-11-15 03:00'));
  });

  test('a quiet window that does not cross midnight (12:00–13:30 lunch) defers to its end the same day', () => {
    const policy: EscalationSpec = { remindAt: [], ladder: [], quietHours: { III: { start: '12:00', end: '13:30' } } };
    const s = chaseSchedule({ startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 12:10') }, policy, 'III', TZ, 1);
    expect(view(s)).toEqual([['breach', iso('2025-11-14 12:10'), iso('2025-11-14 13:30')]]);
  });

  test('notifyAt never decreases along the schedule (order preserved under deferral)', () => {
    for (const h of ['18:00', '21:30', '22:00', '23:59', '03:00', '07:00']) {
      const s = chaseSchedule(
        { startsAt: sh('2025-11-14 12:00'), dueAt: sh(`2025-11-${h < '12:00' ? '15' : '14'} ${h}`) },
        escalationSpec,
        'III',
        TZ,
        1,
      );
      const times = s.map((x) => x.notifyAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });

  test('drill timeScale 0.001: ladder waits shrink (15 min → 900 ms) and quiet hours are not applied', () => {
    const start = sh('2025-11-14 22:10');
    const due = new Date(start.getTime() + 1800);
    const s = chaseSchedule({ startsAt: start, dueAt: due }, escalationSpec, 'III', TZ, 0.001);
    expect(s.map((x) => [x.step, x.notifyAt.getTime() - start.getTime()])).toEqual([
      ['remind:50', 900],
      ['remind:80', 1440],
      ['breach', 1800],
      ['escalate:1:owner', 1800],
      ['escalate:2:directResponsible', 1800 + 900],
      ['escalate:3:firstResponsible', 1800 + 2700],
      ['escalate:4:leadershipGroup', 1800 + 6300],
      ['escalate:5:upperAuthority', 1800 + 13_500],
    ]);
    expect(s.some((x) => x.deferred)).toBe(false);
  });

  test('step ids are stable and unique: fractions are sorted and duplicates removed, odd fractions keep their percent', () => {
    const policy: EscalationSpec = {
      remindAt: [0.8, 0.125, 0.5, 0.8],
      ladder: [{ target: 'owner', afterMinutes: 0 }],
      quietHours: {},
    };
    const startsAt = sh('2025-11-14 10:00');
    const s = chaseSchedule({ startsAt, dueAt: new Date(startsAt.getTime() + min(80)) }, policy, 'I', TZ, 1);
    expect(s.map((x) => x.step)).toEqual(['remind:12.5', 'remind:50', 'remind:80', 'breach', 'escalate:1:owner']);
    expect(s[0].at).toEqual(sh('2025-11-14 10:10'));
  });

  test('bad input is rejected with RangeError: due before start, invalid dates, bad time scale', () => {
    const ok = { startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 10:30') };
    expect(() => chaseSchedule({ ...ok, dueAt: sh('2025-11-14 09:00') }, escalationSpec, 'I', TZ, 1)).toThrow(
      RangeError,
    );
    expect(() => chaseSchedule({ ...ok, startsAt: new Date(NaN) }, escalationSpec, 'I', TZ, 1)).toThrow(RangeError);
    expect(() => chaseSchedule(ok, escalationSpec, 'I', TZ, -1)).toThrow(RangeError);
  });
});

describe('firstChaseStep (what a new plan schedules) is the schedule’s first step', () => {
  test('for random spans, levels and start times, with and without quiet hours and in a drill', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.integer({ min: 0, max: 3 * 86_400_000 }),
        fc.constantFrom('I', 'II', 'III', 'IV'),
        fc.constantFrom(1, 0.001),
        (start, span, level, scale) => {
          const m = { startsAt: new Date(start), dueAt: new Date(start + span) };
          expect(firstChaseStep(m, escalationSpec, level, TZ, scale)).toEqual(
            chaseSchedule(m, escalationSpec, level, TZ, scale)[0],
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('an empty ladder and no reminders: the breach; bad input throws at once', () => {
    const bare: EscalationSpec = { ...escalationSpec, remindAt: [], ladder: [] };
    const m = { startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 10:30') };
    expect(firstChaseStep(m, bare, 'I', TZ, 1)?.step).toBe('breach');
    expect(() => firstChaseStep({ startsAt: m.dueAt, dueAt: m.startsAt }, bare, 'I', TZ, 1)).toThrow(RangeError);
  });
});
