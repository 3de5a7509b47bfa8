/**
 * The delivery worker's claim over a backlog (PgOutbox.claim, nextDueAt; issue 14 item 2, issue 15
 * bench (i)): one row in flight per (platform, destination), each destination's oldest row first,
 * whatever is queued behind it; the next wake-up is the heads' time, not that of a row behind a
 * head in flight. Rows are written by SQL (as the open's outbox statement writes them).
 */
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

/** Queues `n` notices to `destination` on `platform`; returns their ids in order. */
async function queue(platform: string, destination: string, n: number, tag: string): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO outbox (key, platform, destination, conversation, kind, message)
    SELECT ${tag} || ':' || g, ${platform}, ${destination}, '{"chatId":"x"}'::jsonb, 'notice',
           jsonb_build_object('text', ${tag} || ' #' || g)
      FROM generate_series(1, ${n}) AS g
    ORDER BY g
    RETURNING id`.execute(tdb.store.db);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const claimIds = async (max: number, platforms?: string[]) =>
  (await tdb.store.outbox.claim(max, 60_000, {}, platforms)).rows.map((r) => r.id);

test('a backlog: one head per destination, oldest first; the next row only after the head is sent', async () => {
  const relief = await queue('sandbox', 'chat:relief', 300, 'relief');
  const leaders = await queue('sandbox', 'chat:leaders', 3, 'leaders');
  const wecom = await queue('wecom', 'chat:relief', 2, 'wecom');
  const first = await claimIds(10);
  expect(first).toEqual([relief[0], leaders[0], wecom[0]]);
  // all three heads are in flight: nothing behind them is claimable, however many wait
  expect(await claimIds(10)).toEqual([]);
  // the next wake-up is a lease's end (a minute away), not the due rows queued behind the heads
  const due = await tdb.store.outbox.nextDueAt();
  expect(due!.getTime()).toBeGreaterThan(Date.now() + 50_000);

  await tdb.store.outbox.markSent(relief[0], null);
  expect(await claimIds(10)).toEqual([relief[1]]);
  // a platform filter keeps to its platform's heads
  await tdb.store.outbox.markSent(leaders[0], null);
  await tdb.store.outbox.markSent(wecom[0], null);
  expect(await claimIds(10, ['wecom'])).toEqual([wecom[1]]);
  expect(await claimIds(10, ['sandbox'])).toEqual([leaders[1]]);
  // a head waiting for its retry holds its destination and sets the next wake-up
  await tdb.store.outbox.markRetry(leaders[1], 'busy', 30_000);
  await tdb.store.outbox.markSent(relief[1], null);
  expect(await claimIds(10)).toEqual([relief[2]]);
  expect(await claimIds(10)).toEqual([]);
  const next = (await tdb.store.outbox.nextDueAt())!.getTime();
  expect(next).toBeGreaterThan(Date.now() + 20_000);
  expect(next).toBeLessThan(Date.now() + 31_000);
});
