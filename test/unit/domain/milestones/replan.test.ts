import { planMilestones, replan } from '../../../../src/domain/milestones/index.js';
import type { MilestoneRecord } from '../../../../src/domain/types.js';
import { incident, planInput, sh } from './fixtures.js';

const plan = (level: string, planId: string) => planMilestones(planInput({ incident: incident({ level }), planId }));
const find = (rs: MilestoneRecord[], key: string) => rs.find((r) => r.key === key);

describe('replan after a level change (domain.md "Severity levels": a raise re-plans the open deadlines)', () => {
  const old = plan('III', 'p1').map(
    (r): MilestoneRecord =>
      r.key === 'ack:wangjg' ? { ...r, state: 'met', metAt: sh('2025-09-30 10:08'), metBy: 'wangjg' } : r,
  );

  test("raising III → I: met acknowledgements stay met and are not re-planned; open ones get the new level's limits", () => {
    const res = replan(old, plan('I', 'p2'));
    expect(res.kept.map((r) => r.key)).toEqual(['ack:wangjg']);
    expect(res.open.map((r) => r.key)).not.toContain('ack:wangjg');
    expect(find(res.open, 'handling_plan')).toMatchObject({
      dueAt: sh('2025-09-30 10:30'),
      planId: 'p2',
      state: 'open',
    });
    expect(find(res.open, 'ack:lihua')?.dueAt).toEqual(sh('2025-09-30 10:15'));
    expect(res.changed).toEqual([
      { key: 'ack:lihua', from: sh('2025-09-30 10:20'), to: sh('2025-09-30 10:15') },
      { key: 'handling_plan', from: sh('2025-09-30 12:00'), to: sh('2025-09-30 10:30') },
    ]);
  });

  test('raising adds the milestones of the higher level (special report, 002 江城) and every open record takes the new plan id', () => {
    const res = replan(old, plan('I', 'p2'));
    expect(res.added).toEqual(['special_report']);
    expect(res.open.every((r) => r.planId === 'p2')).toBe(true);
    expect(res.dropped).toEqual([]);
  });

  test('lowering II → III drops the open special report', () => {
    const res = replan(plan('II', 'p1'), plan('III', 'p2'));
    expect(res.dropped.map((r) => r.key)).toEqual(['special_report']);
    expect(res.open.map((r) => r.key)).not.toContain('special_report');
  });

  test('a breach already recorded on an open milestone stays recorded after the re-plan', () => {
    const breached = old.map((r) => (r.key === 'report_up' ? { ...r, breachedAt: sh('2025-09-30 10:30') } : r));
    expect(find(replan(breached, plan('I', 'p2')).open, 'report_up')?.breachedAt).toEqual(sh('2025-09-30 10:30'));
  });

  test('cancelled milestones stay cancelled unless revived (reopening)', () => {
    const cancelled = old.map((r): MilestoneRecord => (r.key === 'first_response' ? { ...r, state: 'cancelled' } : r));
    const kept = replan(cancelled, plan('III', 'p2'));
    expect(kept.kept.map((r) => r.key)).toEqual(['ack:wangjg', 'first_response']);
    expect(kept.open.map((r) => r.key)).not.toContain('first_response');
    const revived = replan(cancelled, plan('III', 'p2'), { reviveCancelled: true });
    expect(find(revived.open, 'first_response')).toMatchObject({ state: 'open', planId: 'p2' });
    expect(revived.added).toEqual(['first_response']);
  });

  test('inputs are not modified', () => {
    const before = JSON.stringify(old);
    replan(old, plan('I', 'p2'));
    expect(JSON.stringify(old)).toBe(before);
  });
});
