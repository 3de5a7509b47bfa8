import {
  parseMilestoneKey,
  planMilestones,
  planMilestonesDetailed,
  type MilestoneSpec,
} from '../../../../src/domain/milestones/index.js';
import type { MilestoneRecord } from '../../../../src/domain/types.js';
import { bureauPeople, incident, planInput, sh } from './fixtures.js';

const byKey = (records: MilestoneRecord[]) => new Map(records.map((r) => [r.key, r]));
const due = (records: MilestoneRecord[], key: string) => byKey(records).get(key)?.dueAt;

describe('planMilestones over the demo config (domain.md "Time limits")', () => {
  const records = planMilestones(planInput());

  test('a level III item found 2025-09-30 10:00 plans the expected milestones in config order', () => {
    expect(records.map((r) => r.key)).toEqual([
      'ack:wangjg',
      'ack:lihua',
      'report_up',
      'assessment',
      'handling_plan',
      'early_warning',
      'first_response',
      'statement_reply',
    ]);
    expect(
      records.every((r) => r.state === 'open' && r.planId === 'plan-1' && r.incidentId === 'YQ-20250930-001'),
    ).toBe(true);
    expect(records.every((r) => r.metAt === null && r.metBy === null && r.breachedAt === null)).toBe(true);
  });

  test('report up to the leadership group within 30 minutes of discovery, owed by the office (004)', () => {
    const r = byKey(records).get('report_up');
    expect(r?.startsAt).toEqual(sh('2025-09-30 10:00'));
    expect(r?.dueAt).toEqual(sh('2025-09-30 10:30'));
    expect(r?.ownerIds).toEqual(['zhangmin', 'chenjing']);
  });

  test('initial assessment within 30 minutes of discovery (000 L1); handling plan within 2 hours at level III (000 L1)', () => {
    expect(due(records, 'assessment')).toEqual(sh('2025-09-30 10:30'));
    expect(due(records, 'handling_plan')).toEqual(sh('2025-09-30 12:00'));
    expect(due(records, 'early_warning')).toEqual(sh('2025-09-30 12:00'));
  });

  test('first public response within 3 hours of discovery by the spokesperson (001 township)', () => {
    expect(byKey(records).get('first_response')).toMatchObject({
      dueAt: sh('2025-09-30 13:00'),
      ownerIds: ['zhangmin'],
    });
  });

  test('positive reply within 12 hours of occurrence (004): occurrence falls back to discovery when unknown', () => {
    expect(due(records, 'statement_reply')).toEqual(sh('2025-09-30 22:00'));
    const known = planMilestones(planInput({ incident: incident({ occurredAt: sh('2025-09-29 21:00') }) }));
    expect(due(known, 'statement_reply')).toEqual(sh('2025-09-30 09:00'));
  });

  test('acknowledgement is per owner (perOwner): one record per responsible person, keyed and named by person, clock = report', () => {
    const acks = records.filter((r) => parseMilestoneKey(r.key).baseKey === 'ack');
    expect(acks.map((r) => [r.key, r.name, r.ownerIds, r.dueAt])).toEqual([
      ['ack:wangjg', '签收（王建国）', ['wangjg'], sh('2025-09-30 10:20')],
      ['ack:lihua', '签收（李华）', ['lihua'], sh('2025-09-30 10:20')],
    ]);
  });

  test('perLevel override: at level I acknowledgement is 10 minutes and the handling plan 30 minutes (000 L1, L6 重大舆情立即启动)', () => {
    const r = planMilestones(planInput({ incident: incident({ level: 'I' }) }));
    expect(due(r, 'ack:wangjg')).toEqual(sh('2025-09-30 10:15'));
    expect(due(r, 'handling_plan')).toEqual(sh('2025-09-30 10:30'));
    const ii = planMilestones(planInput({ incident: incident({ level: 'II' }) }));
    expect(due(ii, 'handling_plan')).toEqual(sh('2025-09-30 10:30'));
    expect(due(ii, 'ack:wangjg')).toEqual(sh('2025-09-30 10:20'));
  });

  test('levels filter: the special report to the upper authority within 4 hours exists only for I and II (002 江城)', () => {
    expect(due(planMilestones(planInput({ incident: incident({ level: 'II' }) })), 'special_report')).toEqual(
      sh('2025-09-30 14:00'),
    );
    expect(byKey(records).has('special_report')).toBe(false);
  });

  test('categories filter: an inquiry item owes a handling opinion the same day (001 school); others do not', () => {
    const r = planMilestones(planInput({ incident: incident({ category: 'inquiry' }) }));
    expect(byKey(r).get('inquiry_opinion')).toMatchObject({ dueAt: sh('2025-09-30 18:00'), ownerIds: ['lihua'] });
    expect(byKey(planMilestones(planInput({ incident: incident({ category: null }) }))).has('inquiry_opinion')).toBe(
      false,
    );
  });

  test('same-day inquiry reported after 18:00 on the eve of National Day is due at 18:00 on the next working day, Oct 9', () => {
    const r = planMilestones(
      planInput({ incident: incident({ category: 'inquiry', reportedAt: sh('2025-09-30 19:00') }) }),
    );
    expect(due(r, 'inquiry_opinion')).toEqual(sh('2025-10-09 18:00'));
  });

  test('written answer within 5 working days of the feedback (000 L8), across the National Day holiday and the make-up Saturday', () => {
    const r = planMilestones(planInput({ incident: incident({ feedbackAt: sh('2025-09-30 11:00') }) }));
    expect(byKey(r).get('feedback_answer')).toMatchObject({
      startsAt: sh('2025-09-30 11:00'),
      dueAt: sh('2025-10-14 18:00'),
    });
  });

  test('closure clock: handling report within 10 days (000 L6); 30-day after-action analysis only for major items (000 L8)', () => {
    const closedAt = sh('2025-10-02 16:00');
    const iii = planMilestones(planInput({ incident: incident({ closedAt }) }));
    expect(due(iii, 'closure_report')).toEqual(sh('2025-10-12 16:00'));
    expect(byKey(iii).has('after_action')).toBe(false);
    const i = planMilestones(planInput({ incident: incident({ closedAt, level: 'I' }) }));
    expect(due(i, 'after_action')).toEqual(sh('2025-11-01 16:00'));
  });

  test('skipped definitions are reported with a reason: disabled, level, category, clock not started', () => {
    const { skipped } = planMilestonesDetailed(planInput());
    expect(skipped).toEqual([
      { key: 'special_report', reason: 'level' },
      { key: 'inquiry_opinion', reason: 'category' },
      { key: 'feedback_answer', reason: 'clock-not-started' },
      { key: 'closure_report', reason: 'clock-not-started' },
      { key: 'after_action', reason: 'level' },
      { key: 'statement_approval', reason: 'clock-not-started' },
      { key: 'plan_approval', reason: 'clock-not-started' },
      { key: 'force_majeure', reason: 'disabled' },
    ]);
  });
});

describe('approval milestones (issue 8: one per version awaiting approval, owed by its approvers)', () => {
  const awaitingApproval = [
    { kind: 'statement' as const, version: 2, submittedAt: sh('2025-09-30 11:00'), approverIds: ['wangjg', 'lihua'] },
  ];

  test('a statement version submitted at 11:00 waits 2 hours at level III, keyed per version', () => {
    const r = byKey(planMilestones(planInput({ incident: incident({ awaitingApproval }) }))).get(
      'statement_approval:v2',
    );
    expect(r).toMatchObject({ name: '稿件待审批（第2版）', ownerIds: ['wangjg', 'lihua'] });
    expect(r?.startsAt).toEqual(sh('2025-09-30 11:00'));
    expect(r?.dueAt).toEqual(sh('2025-09-30 13:00'));
  });

  test('levels I–II allow 30 minutes; a plan version starts the plan clock only', () => {
    const plan = [{ ...awaitingApproval[0], kind: 'plan' as const, version: 1 }];
    const records = planMilestones(planInput({ incident: incident({ level: 'II', awaitingApproval: plan }) }));
    expect(due(records, 'plan_approval:v1')).toEqual(sh('2025-09-30 11:30'));
    expect(records.some((r) => r.key.startsWith('statement_approval'))).toBe(false);
  });
});

describe('owners', () => {
  test('one person holding two roles owes a per-owner milestone once (marriage registry: first = direct)', () => {
    const people = { ...bureauPeople, firstResponsible: 'zhouqiang', directResponsible: 'zhouqiang' };
    const acks = planMilestones(planInput({ people })).filter((r) => r.key.startsWith('ack:'));
    expect(acks.map((r) => r.key)).toEqual(['ack:zhouqiang']);
  });

  test('roles with nobody fall back to the direct-responsible person (no spokesperson, empty office)', () => {
    const people = { ...bureauPeople, spokesperson: null, office: [] };
    const r = byKey(planMilestones(planInput({ people })));
    expect(r.get('first_response')?.ownerIds).toEqual(['lihua']);
    expect(r.get('report_up')?.ownerIds).toEqual(['lihua']);
  });

  test('assignee and reporter roles, per owner; a reporter outside config keeps a platform-prefixed id in the key', () => {
    const spec: MilestoneSpec = {
      key: 'progress',
      name: '进展反馈',
      clock: 'report',
      owners: ['assignee', 'reporter'],
      perOwner: true,
      limitMinutes: 60,
    };
    const people = { ...bureauPeople, reporter: 'wecom:lisi', assignees: ['liuyang', 'wufang', 'liuyang'] };
    const r = planMilestones(planInput({ milestones: [spec], people }));
    expect(r.map((x) => [x.key, x.name])).toEqual([
      ['progress:liuyang', '进展反馈（刘洋）'],
      ['progress:wufang', '进展反馈（吴芳）'],
      ['progress:wecom:lisi', '进展反馈（wecom:lisi）'],
    ]);
    expect(parseMilestoneKey('progress:wecom:lisi')).toEqual({ baseKey: 'progress', personId: 'wecom:lisi' });
    expect(parseMilestoneKey('report_up')).toEqual({ baseKey: 'report_up', personId: null });
  });
});

describe('limits', () => {
  const base: MilestoneSpec = {
    key: 'x',
    name: 'X',
    clock: 'discovery',
    owners: ['directResponsible'],
    limitMinutes: 600,
  };

  test('a perLevel override may switch a minute limit to working days; several limits in one set → the earliest wins', () => {
    const spec: MilestoneSpec = {
      ...base,
      perLevel: { IV: { limitWorkingDays: 1 }, II: { limitMinutes: 120, limitWorkingDays: 1 } },
    };
    const at = (level: string) =>
      due(planMilestones(planInput({ milestones: [spec], incident: incident({ level }) })), 'x');
    expect(at('III')).toEqual(sh('2025-09-30 20:00'));
    expect(at('IV')).toEqual(sh('2025-10-09 18:00'));
    expect(at('II')).toEqual(sh('2025-09-30 12:00'));
  });

  test('a definition without any limit is skipped as no-limit instead of crashing', () => {
    const spec: MilestoneSpec = { key: 'y', name: 'Y', clock: 'discovery', owners: ['office'] };
    expect(planMilestonesDetailed(planInput({ milestones: [spec] }))).toEqual({
      records: [],
      skipped: [{ key: 'y', reason: 'no-limit' }],
    });
  });
});

describe('drill time scale', () => {
  test('timeScale 0.001 compresses minute limits: report up due 1.8 s after discovery (004 30 min)', () => {
    const r = planMilestones(planInput({ timeScale: 0.001 }));
    expect(due(r, 'report_up')?.getTime()).toBe(sh('2025-09-30 10:00').getTime() + 1800);
    expect(due(r, 'statement_reply')?.getTime()).toBe(sh('2025-09-30 10:00').getTime() + 43_200);
  });

  test('timeScale 0.001 turns working-day and same-day limits into their calendar span, scaled (000 L8, 001 school)', () => {
    const found = sh('2025-09-30 10:00');
    const r = planMilestones(
      planInput({
        timeScale: 0.001,
        incident: incident({ feedbackAt: found, category: 'inquiry', reportedAt: found }),
      }),
    );
    // 5 working days: real due 2025-10-14 18:00 = 14 d 8 h after the clock → 1 238 400 000 ms × 0.001.
    expect(due(r, 'feedback_answer')?.getTime()).toBe(found.getTime() + 1_238_400);
    // same day: 18:00 is 8 h after the clock → 28.8 s.
    expect(due(r, 'inquiry_opinion')?.getTime()).toBe(found.getTime() + 28_800);
  });

  test('an invalid time scale is rejected with RangeError', () => {
    expect(() => planMilestones(planInput({ timeScale: 0 }))).toThrow(RangeError);
  });
});
