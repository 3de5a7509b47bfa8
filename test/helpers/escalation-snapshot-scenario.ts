/**
 * Issue 7 item 3 as one scenario run on both implementations of the `UnitOfWork` port (in-memory in
 * test/unit, PostgreSQL in test/integration): a plan carries the escalation policy it was made
 * with (grafana/oncall escalation_snapshot); a config change between planning and the chase does
 * not change the running chase; every early exit of a run logs its reason.
 */
import type { OrgConfig } from '../../src/config/schema.js';
import { Directory } from '../../src/domain/Directory.js';
import type { UnitOfWork } from '../../src/domain/ports.js';
import { demoConfig } from './app.js';
import { actor, services } from './services.js';

const MIN = 60_000;

/** The demo organisation with one 60-minute milestone owed by the direct-responsible, and policy A. */
export function policyA(): OrgConfig {
  const c = demoConfig();
  c.milestones = [
    {
      key: 'ack',
      name: '签收',
      aliases: [],
      clock: 'report',
      owners: ['directResponsible'],
      perOwner: false,
      enabled: true,
      perLevel: {},
      metBy: ['ack'],
      limitMinutes: 60,
    },
  ];
  c.escalation = {
    remindAt: [0.5],
    ladder: [
      { target: 'owner', afterMinutes: 0 },
      { target: 'firstResponsible', afterMinutes: 15 },
    ],
    quietHours: {},
  };
  return c;
}

/** Policy B: what the config says after a reload — other fractions, another ladder, all-day quiet hours. */
export function policyB(): OrgConfig {
  const c = policyA();
  c.escalation = {
    remindAt: [0.25, 0.9],
    ladder: [{ target: 'leadershipGroup', afterMinutes: 0 }],
    quietHours: { III: { start: '00:00', end: '23:59' } },
  };
  return c;
}

/** Registers the scenario's tests; `uow()` gives a fresh unit of work per test, `done()` releases it. */
export function escalationSnapshotScenario(uow: () => Promise<UnitOfWork>, done: () => Promise<void>): void {
  afterEach(done);

  test('a config change between planning and the chase does not change the running chase (issue 7.3)', async () => {
    const s = services({ uow: await uow(), config: policyA() });
    const t0 = s.clock.now();
    const { incident } = await s.incidents.open(actor(s.directory, 'chenjing'), {
      description: '帖子',
      chatId: 'relief',
    });
    expect(s.scheduled).toHaveLength(1);
    const { run, at } = s.scheduled[0];
    expect(at).toEqual(new Date(t0.getTime() + 30 * MIN)); // the 50 % reminder of policy A
    expect(await s.uow.repo.planSnapshot(run.planId)).toEqual({
      level: 'III',
      remindAt: [0.5],
      ladder: [
        { target: 'owner', afterMinutes: 0 },
        { target: 'firstResponsible', afterMinutes: 15 },
      ],
      quietHours: null,
    });
    expect(incident.planId).toBe(run.planId);

    // the config is reloaded with policy B; the chase runs on the new directory
    const reloaded = s.chaseWith(new Directory(policyB()));
    s.clock.set(new Date(t0.getTime() + 30 * MIN));
    const first = await reloaded.run(run);
    expect(first.fired).toEqual(['remind:50']); // not remind:25 of B, and not deferred by B's quiet hours
    expect(first.next).toEqual(new Date(t0.getTime() + 60 * MIN));
    s.clock.set(new Date(t0.getTime() + 75 * MIN));
    const second = await reloaded.run(run);
    expect(second.fired).toEqual(['breach', 'escalate:1:owner', 'escalate:2:firstResponsible']);
    expect(second.stopped).toBe('done');
    expect(s.notices.at(-1)!.mentions).toEqual(['liuyang']); // rung 2 of A: the first-responsible
    expect(s.notices.some((n) => n.chatId === 'leaders')).toBe(false); // B's leadership-group rung never ran
  });

  test('a new plan (a level change) takes a new snapshot of the policy then in force', async () => {
    const s = services({ uow: await uow(), config: policyA() });
    const { incident } = await s.incidents.open(actor(s.directory, 'chenjing'), {
      description: '帖子',
      chatId: 'relief',
    });
    await s.incidents.setLevel(actor(s.directory, 'liuyang'), incident.id, 'II');
    const plans = [...new Set(s.scheduled.map((x) => x.run.planId))];
    expect(plans).toHaveLength(2);
    expect((await s.uow.repo.planSnapshot(plans[1]))?.level).toBe('II');
  });

  test('every early exit of a chase run logs its reason', async () => {
    const s = services({ uow: await uow(), config: policyA() });
    const { incident } = await s.incidents.open(actor(s.directory, 'chenjing'), {
      description: '帖子',
      chatId: 'relief',
    });
    const { run } = s.scheduled[0];
    const why = () => s.log.lines.filter((l) => l.fields.why).map((l) => l.fields.why);
    expect((await s.chase.run({ ...run, incidentId: 'YQ-20000101-001' })).stopped).toBe('no-incident');
    expect((await s.chase.run({ ...run, planId: 'old-plan' })).stopped).toBe('stale-plan');
    await s.incidents.acknowledge(actor(s.directory, 'wufang'), incident.id); // meets `ack`
    expect((await s.chase.run(run)).stopped).toBe('not-open');
    expect(why()).toEqual(['no-incident', 'stale-plan', 'not-open']);
  });
}
