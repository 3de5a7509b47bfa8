/**
 * The store's pool as Kysely sees it (src/store/db.ts): statements with parameters that write rows
 * run as named prepared statements (parsed once per connection, `preparedName`), reads and
 * statements without parameters stay unnamed (seen from PostgreSQL's side:
 * `pg_prepared_statements` of the connection); a transaction's `begin` goes with its next
 * statement (seen from pg's side: the texts `Client#query` sends).
 */
import { sql } from 'kysely';
import pg from 'pg';
import { preparedName } from '../../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

test('writes get one name per text, reads none', () => {
  const insert = 'insert into "t" ("a") values ($1)';
  const name = preparedName(insert);
  expect(name).toMatch(/^w\d+$/);
  expect(preparedName(insert)).toBe(name);
  expect(preparedName('  UPDATE t SET a = $1 WHERE b = $2')).toMatch(/^w\d+$/);
  expect(preparedName('delete from "t" where "a" = $1')).toMatch(/^w\d+$/);
  expect(preparedName(' WITH x AS (INSERT INTO t (a) VALUES ($1) RETURNING a) SELECT a FROM x')).toMatch(/^w\d+$/);
  expect(preparedName('select * from "t" where "a" = $1')).toBeUndefined();
  expect(preparedName('WITH x AS (SELECT a FROM t WHERE a = $1) SELECT a FROM x')).toBeUndefined();
  expect(preparedName('select "inserted_at" from "t" where "a" = $1')).toBeUndefined();
});

test("a read that locks rows, and a queue's claim (SKIP LOCKED), are planned each time", () => {
  // the delivery worker's claim (PgOutbox.claim): a read, whatever its FOR UPDATE says
  expect(
    preparedName(
      'WITH heads AS (SELECT DISTINCT ON (p) id FROM o WHERE s = $1) SELECT o.id FROM o JOIN heads h ON h.id = o.id ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED',
    ),
  ).toBeUndefined();
  expect(preparedName('WITH x AS (SELECT a FROM t WHERE a = $1 FOR NO KEY UPDATE) SELECT a FROM x')).toBeUndefined();
  // a queue's claim (PgEventDedupe.takeOverUnfinished): its best plan depends on how many rows wait
  expect(
    preparedName(
      'UPDATE t SET a = now() FROM (SELECT k FROM t WHERE b = $1 ORDER BY a LIMIT $2 FOR UPDATE SKIP LOCKED) d WHERE t.k = d.k',
    ),
  ).toBeUndefined();
  // a write that looks one row up with LIMIT 1 (the outbox statement of an open) is still prepared
  expect(
    preparedName(
      'INSERT INTO t (a) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM (SELECT a FROM t WHERE b = $2 LIMIT 1) o)',
    ),
  ).toMatch(/^w\d+$/);
  // an upsert's DO UPDATE is still a write
  expect(preparedName('insert into "t" ("a") values ($1) on conflict ("a") do update set "b" = $2')).toMatch(/^w\d+$/);
});

test('on one connection a write is prepared once and answers as before; a read is not prepared', async () => {
  const db = tdb.store.db;
  await sql`CREATE TABLE prepared_probe (k text PRIMARY KEY, n int NOT NULL)`.execute(db);
  const seen = await db.transaction().execute(async (trx) => {
    for (const [k, n] of [
      ['a', 1],
      ['b', 2],
      ['a', 3],
    ] as const)
      await sql`INSERT INTO prepared_probe (k, n) VALUES (${k}, ${n}) ON CONFLICT (k) DO UPDATE SET n = excluded.n`.execute(
        trx,
      );
    const read = await sql<{ n: number }>`SELECT n FROM prepared_probe WHERE k = ${'a'}`.execute(trx);
    const statements = await sql<{ name: string; statement: string }>`
      SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE ${'%prepared_probe%'}`.execute(trx);
    return { read: read.rows, statements: statements.rows };
  });
  expect(seen.read).toEqual([{ n: 3 }]);
  // the INSERT once (same text each time), under the name the store gave it; the SELECT not at all
  expect(seen.statements).toHaveLength(1);
  expect(seen.statements[0].statement).toContain('INSERT INTO prepared_probe');
  expect(seen.statements[0].name).toBe(preparedName(seen.statements[0].statement));
});

/** The texts `pg.Client#query` is called with while `fn` runs. */
async function sent(fn: () => Promise<unknown>): Promise<string[]> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  const texts: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    texts.push(typeof q === 'string' ? q : (q?.text ?? '?'));
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return texts;
}

test('begin goes with a first statement without parameters (a savepoint), before one with; the transaction is the same', async () => {
  const db = tdb.store.db;
  await sql`CREATE TABLE begin_probe (k text PRIMARY KEY)`.execute(db);
  // savepoint first: one round trip for both; the rows commit
  const one = await sent(() =>
    db.transaction().execute(async (trx) => {
      await sql.raw('SAVEPOINT sp_1').execute(trx);
      await sql`INSERT INTO begin_probe (k) VALUES (${'a'})`.execute(trx);
    }),
  );
  expect(one).toEqual(['begin;SAVEPOINT sp_1', 'INSERT INTO begin_probe (k) VALUES ($1)', 'commit']);
  // a statement with parameters first: begin just before it; a rollback undoes it
  const two = await sent(() =>
    db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO begin_probe (k) VALUES (${'b'})`.execute(trx);
        const inTx = await sql<{ n: number }>`SELECT count(*)::int AS n FROM begin_probe`.execute(trx);
        expect(inTx.rows[0].n).toBe(2);
        throw new Error('undo');
      })
      .catch((err: Error) => expect(err.message).toBe('undo')),
  );
  expect(two).toEqual([
    'begin',
    'INSERT INTO begin_probe (k) VALUES ($1)',
    'SELECT count(*)::int AS n FROM begin_probe',
    'rollback',
  ]);
  // nothing in it: begin and commit together
  expect(await sent(() => db.transaction().execute(async () => undefined))).toEqual(['begin;commit']);
  // a savepoint's statement failing rolls the whole transaction back as before
  await expect(
    db.transaction().execute(async (trx) => {
      await sql.raw('SAVEPOINT sp_1').execute(trx);
      await sql`INSERT INTO begin_probe (k) VALUES (${'c'})`.execute(trx);
      await sql`INSERT INTO begin_probe (k) VALUES (${'a'})`.execute(trx);
    }),
  ).rejects.toThrow(/duplicate key/);
  const rows = await sql<{ k: string }>`SELECT k FROM begin_probe ORDER BY k`.execute(db);
  expect(rows.rows).toEqual([{ k: 'a' }]);
  // and a plain statement outside a transaction is not held
  expect(await sent(() => sql`SELECT 1 AS one`.execute(db))).toEqual(['SELECT 1 AS one']);
});
