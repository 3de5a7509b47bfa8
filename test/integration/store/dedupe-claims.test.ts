/**
 * Inbound claims (issue 14 item 4; migration 0008): the dedupe row is written before the callback
 * is acknowledged; until the handler finished (`handled`) it is only a claim, so WeCom's retry
 * after a crash of the claiming process (wecom.md §5: retried after 5 s, 3 tries) is taken over —
 * by exactly one caller, in any instance — while a handled event stays a duplicate for good.
 */
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

/** Moves an event's claim `ms` into the past (instead of waiting that long). */
async function age(eventId: string, ms: number): Promise<void> {
  await tdb.store.pool.query(
    'UPDATE processed_events SET seen_at = seen_at - make_interval(secs => $2::float8 / 1000) WHERE event_id = $1',
    [eventId, ms],
  );
}

test('an unfinished claim is a duplicate while fresh and is taken over once it is older than retakeAfterMs', async () => {
  const d = tdb.store.dedupe;
  expect(await d.firstSeen('wecom', 'claim-1', { retakeAfterMs: 3000 })).toBe(true);
  expect(await d.firstSeen('wecom', 'claim-1', { retakeAfterMs: 3000 })).toBe(false);
  await age('claim-1', 3500);
  expect(await d.firstSeen('wecom', 'claim-1', { retakeAfterMs: 3000 })).toBe(true);
  // the take-over renewed the claim: an immediate further retry is a duplicate again
  expect(await d.firstSeen('wecom', 'claim-1', { retakeAfterMs: 3000 })).toBe(false);
  // without retakeAfterMs (the old contract) nothing is ever taken over
  await age('claim-1', 3500);
  expect(await d.firstSeen('wecom', 'claim-1')).toBe(false);
});

test('concurrent retries of a stale claim (two instances): exactly one takes it over', async () => {
  const d = tdb.store.dedupe;
  expect(await d.firstSeen('wecom', 'claim-2', { retakeAfterMs: 1000 })).toBe(true);
  await age('claim-2', 5000);
  const results = await Promise.all(
    Array.from({ length: 10 }, () => d.firstSeen('wecom', 'claim-2', { retakeAfterMs: 1000 })),
  );
  expect(results.filter(Boolean)).toHaveLength(1);
});

test('a handled event is never taken over, however old', async () => {
  const d = tdb.store.dedupe;
  expect(await d.firstSeen('wecom', 'claim-3', { retakeAfterMs: 1000 })).toBe(true);
  await d.handled('wecom', 'claim-3');
  await age('claim-3', 3_600_000);
  expect(await d.firstSeen('wecom', 'claim-3', { retakeAfterMs: 1000 })).toBe(false);
});

test('unfinished claims with a replay are taken over by exactly one of several sweeps, within their age window only (0011)', async () => {
  const d = tdb.store.dedupe;
  for (const id of ['replay-a', 'replay-b', 'replay-young', 'replay-old', 'replay-done'])
    expect(await d.firstSeen('wecom', id, { retakeAfterMs: 1000, replay: { callback: `{"msgid":"${id}"}` } })).toBe(
      true,
    );
  expect(await d.firstSeen('wecom', 'replay-none', { retakeAfterMs: 1000 })).toBe(true); // no replay kept
  for (const id of ['replay-a', 'replay-b', 'replay-done', 'replay-none']) await age(id, 120_000);
  await age('replay-old', 7_200_000);
  await d.handled('wecom', 'replay-done');
  const window = { olderThanMs: 60_000, withinMs: 3_600_000, limit: 10 };
  const sweeps = await Promise.all(Array.from({ length: 5 }, () => d.takeOverUnfinished('wecom', window)));
  const taken = sweeps.flat().map((c) => c.eventId);
  expect(taken.sort()).toEqual(['replay-a', 'replay-b']);
  expect(sweeps.flat().find((c) => c.eventId === 'replay-a')?.replay).toEqual({ callback: '{"msgid":"replay-a"}' });
  // taken over: claimed anew, so the next sweep leaves them to the one handling them
  expect(await d.takeOverUnfinished('wecom', window)).toEqual([]);
  // done clears the stored callback
  const done = await tdb.store.pool.query("SELECT replay FROM processed_events WHERE event_id = 'replay-done'");
  expect(done.rows[0].replay).toBeNull();
});
