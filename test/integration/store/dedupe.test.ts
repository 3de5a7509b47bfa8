/** Inbound event dedupe across retries and restarts (architecture.md: Bot middleware "dedupe"). */
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

test('firstSeen is true once per (platform, eventId), also for the same id on another platform', async () => {
  const d = tdb.store.dedupe;
  expect(await d.firstSeen('wecom', 'msg-1')).toBe(true);
  expect(await d.firstSeen('wecom', 'msg-1')).toBe(false);
  expect(await d.firstSeen('dingtalk', 'msg-1')).toBe(true);
});

test('concurrent redeliveries of one event: exactly one is first', async () => {
  const results = await Promise.all(Array.from({ length: 10 }, () => tdb.store.dedupe.firstSeen('wecom', 'msg-burst')));
  expect(results.filter(Boolean)).toHaveLength(1);
});

test('prune forgets events seen before the cut-off', async () => {
  await tdb.store.db
    .insertInto('processed_events')
    .values({ platform: 'wecom', event_id: 'old', seen_at: new Date('2026-01-01T00:00:00Z') })
    .execute();
  expect(await tdb.store.dedupe.prune(new Date('2026-06-01T00:00:00Z'))).toBe(1);
  expect(await tdb.store.dedupe.firstSeen('wecom', 'old')).toBe(true);
  expect(await tdb.store.dedupe.firstSeen('wecom', 'msg-1')).toBe(false);
});
