import { chaseSchedule, nextStep, overdueSteps, type ChaseStep } from '../../../../src/domain/milestones/index.js';
import { escalationSpec, sh, TZ } from './fixtures.js';

/** Report up (004, 30 min) found 10:00, level I: steps at 10:15, 10:24, 10:30 ×2, 10:45, 11:15, 12:15, 14:15. */
const schedule = chaseSchedule(
  { startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 10:30') },
  escalationSpec,
  'I',
  TZ,
  1,
);

/** Drives the runner loop: claim each next due step once, as the job runner would; returns what was done. */
function runUntilIdle(steps: ChaseStep[], done: Set<string>, now: Date): Array<[string, 'fired' | 'superseded']> {
  const log: Array<[string, 'fired' | 'superseded']> = [];
  for (let n = nextStep(steps, done, now); n?.dueNow; n = nextStep(steps, done, now)) {
    done.add(n.step.step);
    log.push([n.step.step, n.superseded ? 'superseded' : 'fired']);
  }
  return log;
}

describe('nextStep: each chase step resolves exactly once, in order, promptly after a restart', () => {
  test('before anything is due, the first reminder is next and not due; the runner schedules it at notifyAt', () => {
    expect(nextStep(schedule, new Set(), sh('2025-11-14 10:05'))).toEqual({
      step: schedule[0],
      dueNow: false,
      superseded: false,
    });
  });

  test('on time, the runner fires one step per run: the 50 % reminder at 10:15, then waits for the 80 % one', () => {
    const done = new Set<string>();
    expect(runUntilIdle(schedule, done, sh('2025-11-14 10:15'))).toEqual([['remind:50', 'fired']]);
    expect(nextStep(schedule, done, sh('2025-11-14 10:15'))).toMatchObject({
      step: { step: 'remind:80' },
      dueNow: false,
    });
  });

  test('back from downtime at 11:20: overtaken reminders are superseded (not sent), breach and each rung up to first-responsible fire once, in order', () => {
    const done = new Set<string>();
    expect(runUntilIdle(schedule, done, sh('2025-11-14 11:20'))).toEqual([
      ['remind:50', 'superseded'],
      ['remind:80', 'superseded'],
      ['breach', 'fired'],
      ['escalate:1:owner', 'fired'],
      ['escalate:2:directResponsible', 'fired'],
      ['escalate:3:firstResponsible', 'fired'],
    ]);
    expect(nextStep(schedule, done, sh('2025-11-14 11:20'))).toMatchObject({
      step: { step: 'escalate:4:leadershipGroup' },
      dueNow: false,
    });
  });

  test('a second restart at the same moment repeats nothing', () => {
    const done = new Set<string>();
    runUntilIdle(schedule, done, sh('2025-11-14 11:20'));
    expect(runUntilIdle(schedule, done, sh('2025-11-14 11:20'))).toEqual([]);
  });

  test('a lone overdue reminder (the next step not yet due) is still sent, late', () => {
    const done = new Set<string>(['remind:50']);
    expect(nextStep(schedule, done, sh('2025-11-14 10:26'))).toEqual({
      step: schedule[1],
      dueNow: true,
      superseded: false,
    });
  });

  test('when every step is done there is nothing next', () => {
    expect(nextStep(schedule, new Set(schedule.map((s) => s.step)), sh('2025-11-14 23:00'))).toBeNull();
  });

  test('overdueSteps lists the un-done steps due by now, in order', () => {
    expect(overdueSteps(schedule, new Set(['remind:50']), sh('2025-11-14 10:30')).map((s) => s.step)).toEqual([
      'remind:80',
      'breach',
      'escalate:1:owner',
    ]);
  });

  test('quiet hours: a deferred breach is not due before 07:30 even though its time (22:00) has passed', () => {
    const quiet = chaseSchedule(
      { startsAt: sh('2025-11-14 10:00'), dueAt: sh('2025-11-14 22:00') },
      escalationSpec,
      'III',
      TZ,
      1,
    );
    const done = new Set(['remind:50', 'remind:80']);
    expect(nextStep(quiet, done, sh('2025-11-15 02:00'))).toMatchObject({ step: { step: 'breach' }, dueNow: false });
    expect(nextStep(quiet, done, sh('2025-11-15 07:30'))).toMatchObject({
      step: { step: 'breach' },
      dueNow: true,
      superseded: false,
    });
  });
});
