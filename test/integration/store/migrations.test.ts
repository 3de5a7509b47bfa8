/** Schema migrations: idempotent, and a failure names the migration. */
import { sql } from 'kysely';
import { migrateToLatest, migrations } from '../../../src/store/migrations/index.js';
import { openStore, parseInt8 } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

test('running migrations again applies nothing and keeps the data', async () => {
  await tdb.store.dedupe.firstSeen('sandbox', 'e1');
  expect(await migrateToLatest(tdb.store.db)).toEqual([]);
  const again = await openStore({ connectionString: tdb.connectionString });
  try {
    expect(await again.dedupe.firstSeen('sandbox', 'e1')).toBe(false);
  } finally {
    await again.close();
  }
});

test('concurrent migrateToLatest calls on a fresh database apply each migration once', async () => {
  const fresh = await createTestDatabase();
  try {
    await sql`DROP SCHEMA public CASCADE`.execute(fresh.store.db);
    await sql`CREATE SCHEMA public`.execute(fresh.store.db);
    await sql`DROP TABLE IF EXISTS kysely_migration, kysely_migration_lock`.execute(fresh.store.db);
    const applied = await Promise.all([migrateToLatest(fresh.store.db), migrateToLatest(fresh.store.db)]);
    expect(applied.flat()).toEqual(Object.keys(migrations));
  } finally {
    await fresh.drop();
  }
});

test('a failing migration throws an error naming it, and is rolled back', async () => {
  const failing = {
    ...migrations,
    '9999_broken': {
      up: async (db: Parameters<typeof migrateToLatest>[0]) => {
        await sql`CREATE TABLE should_not_exist (id int)`.execute(db);
        await sql`SELECT no_such_column FROM incidents`.execute(db);
      },
    },
  };
  await expect(migrateToLatest(tdb.store.db, failing)).rejects.toThrow(
    /database migration "9999_broken" failed: .*no_such_column/,
  );
  const r = await sql<{ t: string | null }>`SELECT to_regclass('should_not_exist')::text AS t`.execute(tdb.store.db);
  expect(r.rows[0].t).toBeNull();
});

test('openStore against an unreachable server rejects (no pool left open)', async () => {
  await expect(openStore({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none' })).rejects.toThrow();
});

test('int8 values are numbers; unsafe ones are rejected rather than rounded', async () => {
  const r = await sql<{ n: number }>`SELECT 9007199254740991::int8 AS n`.execute(tdb.store.db);
  expect(r.rows[0].n).toBe(Number.MAX_SAFE_INTEGER);
  expect(() => parseInt8('9007199254740993')).toThrow(RangeError);
});
