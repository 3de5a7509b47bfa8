import { MemoryUnitOfWork } from '../../fakes/memory/MemoryUnitOfWork.js';
import { actor, services } from '../../helpers/services.js';
import { visibilityScenario } from '../../helpers/visibility-scenario.js';

const chat = (chatId: string) => ({ kind: 'chat', chatId }) as const;
const _person = (personId: string) => ({ kind: 'person', personId }) as const;

test('open numbers per business date, takes the chat’s unit, plans milestones and ledgers the notice (issue 3)', async () => {
  const s = services();
  const { incident, notice } = await s.incidents.open(actor(s.directory, 'chenjing'), {
    description: '某论坛出现帖子',
    chatId: 'relief',
  });
  expect(incident).toMatchObject({ id: 'YQ-20261129-001', unitId: 'relief', proposedLevel: 'III', status: 'reported' });
  expect(notice.mentions.sort()).toEqual(['liuyang', 'wufang']);
  const v = await s.incidents.view(chat('relief'), incident.id);
  expect(v.ledger.map((e) => e.kind)).toEqual(['incident.opened', 'milestone.planned', 'message.queued']);
  expect(v.milestones.length).toBeGreaterThan(0);
  expect(s.scheduled.length).toBeGreaterThan(0); // after commit
  const second = await s.incidents.open(actor(s.directory, 'xuting'), {
    description: '养老院视频',
    chatId: 'relief',
    unitId: 'eldercare',
  });
  expect(second.incident.id).toBe('YQ-20261129-002');
});

test('acknowledging: only the responsible count; the status becomes acknowledged once all have (domain.md "Who takes part")', async () => {
  const s = services();
  const { incident } = await s.incidents.open(actor(s.directory, 'chenjing'), {
    description: '帖子',
    chatId: 'relief',
  });
  expect((await s.incidents.acknowledge(actor(s.directory, 'xuting'), incident.id)).outcome).toBe('not_responsible');
  const first = await s.incidents.acknowledge(actor(s.directory, 'liuyang'), incident.id);
  expect(first).toMatchObject({ outcome: 'acknowledged', allAcknowledged: false });
  expect((await s.incidents.acknowledge(actor(s.directory, 'liuyang'), incident.id)).outcome).toBe('already');
  const all = await s.incidents.acknowledge(actor(s.directory, 'wufang'), incident.id);
  expect(all).toMatchObject({ outcome: 'acknowledged', allAcknowledged: true });
  expect(all.incident.status).toBe('acknowledged');
  // an assignee must acknowledge too
  await s.incidents.assign(actor(s.directory, 'liuyang'), incident.id, 'zhangmin', '发言人');
  expect(await s.incidents.awaitsAckFrom(await s.uow.repo.getIncident(incident.id).then((i) => i!), 'zhangmin')).toBe(
    true,
  );
});

test('a failed change rolls back: nothing of it is stored (UnitOfWork contract)', async () => {
  const s = services();
  const { incident } = await s.incidents.open(actor(s.directory, 'chenjing'), {
    description: '帖子',
    chatId: 'relief',
  });
  const before = (await s.uow.repo.ledger(incident.id)).length;
  await expect(s.incidents.setLevel(actor(s.directory, 'xuting'), incident.id, 'I')).rejects.toThrow('没有定级权限');
  expect((await s.uow.repo.ledger(incident.id)).length).toBe(before);
  await expect(
    s.uow.transaction(async (repo) => {
      await repo.appendLedger({
        incidentId: incident.id,
        actor: 'x',
        kind: 'incident.note',
        at: new Date(),
        payload: {},
      });
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect((await s.uow.repo.ledger(incident.id)).length).toBe(before);
});

test('short ids resolve to today’s number in scope; an old one is asked back with full ids (issue 10 item 1)', async () => {
  const s = services();
  const a = (await s.incidents.open(actor(s.directory, 'chenjing'), { description: '一', chatId: 'relief' })).incident;
  expect((await s.incidents.resolve(chat('relief'), { kind: 'short', number: 1 })).id).toBe(a.id);
  s.clock.advance(24 * 3600_000);
  await expect(s.incidents.resolve(chat('relief'), { kind: 'short', number: 1 })).rejects.toMatchObject({
    code: 'AMBIGUOUS',
    candidates: [a.id],
  });
  await expect(s.incidents.resolve(chat('eldercare'), { kind: 'short', number: 1 })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
});

test('the in-memory unit of work serialises transactions like row locks would', async () => {
  const uow = new MemoryUnitOfWork();
  const s = services({ uow });
  const ids = await Promise.all(
    [1, 2, 3].map(
      async (n) =>
        (await s.incidents.open(actor(s.directory, 'chenjing'), { description: `第${n}条`, chatId: 'relief' })).incident
          .id,
    ),
  );
  expect(ids.sort()).toEqual(['YQ-20261129-001', 'YQ-20261129-002', 'YQ-20261129-003']);
});

test('MilestoneService: /反馈 plans the written answer in working days; /完成 meets a milestone by hand', async () => {
  const s = services();
  const { incident } = await s.incidents.open(actor(s.directory, 'chenjing'), {
    description: '帖子',
    chatId: 'relief',
  });
  await s.milestones.recordFeedback(actor(s.directory, 'liuyang'), incident.id, '群众来电询问');
  const answer = (await s.uow.repo.milestones(incident.id)).find((m) => m.key === 'feedback_answer');
  expect(answer?.state).toBe('open');
  const done = await s.milestones.milestoneDone(actor(s.directory, 'liuyang'), incident.id, answer!.name, '已书面答复');
  expect(done.name).toBe(answer!.name);
  expect((await s.uow.repo.milestones(incident.id)).find((m) => m.key === 'feedback_answer')?.state).toBe('met');
});

describe('visibility on the in-memory unit of work', () => {
  visibilityScenario(
    async () => new MemoryUnitOfWork(),
    async () => {},
  );
});
