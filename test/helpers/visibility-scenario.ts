/**
 * Issue 7 item 1 on both implementations of the `UnitOfWork` port (in-memory in test/unit,
 * PostgreSQL in test/integration): `view`, `resolve` and `list` follow the one visibility policy
 * (domain/visibility.ts), and the store's SQL filter (`IncidentFilter.visibleIn`) agrees with `inScope`.
 */
import type { UnitOfWork } from '../../src/domain/ports.js';
import { IncidentNotFoundError } from '../../src/errors.js';
import { actor, services } from './services.js';

const chat = (chatId: string) => ({ kind: 'chat', chatId }) as const;
const person = (personId: string | null) => ({ kind: 'person', personId }) as const;

/** Registers the scenario; `uow()` gives a fresh unit of work per test, `done()` releases it. */
export function visibilityScenario(uow: () => Promise<UnitOfWork>, done: () => Promise<void>): void {
  afterEach(done);

  test('view, resolve and list follow the one visibility policy (issue 7 item 1)', async () => {
    const s = services({ uow: await uow() });
    const relief = (await s.incidents.open(actor(s.directory, 'chenjing'), { description: '救助', chatId: 'relief' }))
      .incident;
    const elder = (
      await s.incidents.open(actor(s.directory, 'xuting'), {
        description: '养老',
        chatId: 'relief',
        unitId: 'eldercare',
      })
    ).incident;
    await expect(s.incidents.view(chat('eldercare'), relief.id)).rejects.toBeInstanceOf(IncidentNotFoundError);
    await expect(s.incidents.resolve(chat('eldercare'), { kind: 'id', id: relief.id })).rejects.toThrow(
      `找不到事件 ${relief.id}`,
    );
    expect((await s.incidents.resolve(chat('eldercare'), undefined)).id).toBe(elder.id);
    expect((await s.incidents.list(chat('eldercare'), {})).map((i) => i.id)).toEqual([elder.id]);
    expect((await s.incidents.list(chat('relief'), {})).map((i) => i.id)).toEqual([elder.id, relief.id]);
    expect((await s.incidents.list(chat('leaders'), {})).length).toBe(2);
    // 1:1: 徐婷 holds no role, but reported the eldercare one; an assignment widens her view
    expect((await s.incidents.list(person('xuting'), {})).map((i) => i.id)).toEqual([elder.id]);
    await s.incidents.assign(actor(s.directory, 'liuyang'), relief.id, 'xuting', '信息员');
    expect((await s.incidents.list(person('xuting'), {})).map((i) => i.id)).toEqual([elder.id, relief.id]);
    expect(await s.incidents.sees(person('xuting'), relief)).toBe(true);
    expect(await s.incidents.list(person(null), {})).toEqual([]);
  });
}
