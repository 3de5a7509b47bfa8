/**
 * Embedded PostgreSQL lifecycle (settings DATA_DIR / DATABASE_URL): data persists in
 * `<dataDir>/pg` across restarts, and a crash's stale `postmaster.pid` does not block the next start;
 * a server owned by a live process is never taken over (an orphaned one: test/e2e/faults/orphan-postgres).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ConfigError } from '../../../src/errors.js';
import { socketDir } from '../../../src/store/embedded.js';
import { startDatabase, type DatabaseHandle } from '../../../src/store/index.js';

const dirs: string[] = [];
const running: DatabaseHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
  await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tempDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-embedded-test-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, debugLines?: string[]): Promise<DatabaseHandle> {
  const collect = (o: unknown, m?: string) => {
    debugLines?.push(String(m ?? o));
  };
  const logger = { debug: collect, info: () => undefined, warn: () => undefined, error: () => undefined };
  const h = await startDatabase({ dataDir, logger });
  running.push(h);
  return h;
}

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

test('start → stop → start on the same dataDir keeps the data; stop is idempotent; postgres logs go to logger.debug', async () => {
  const dataDir = await tempDataDir();
  const lines: string[] = [];
  const first = await start(dataDir, lines);
  expect(first.embedded).toBe(true);
  expect(new URL(first.connectionString).pathname).toBe('/yuqing');
  await query(first.connectionString, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('台账')");
  await first.stop();
  await first.stop();
  expect(lines.some((l) => l.includes('database system is ready to accept connections'))).toBe(true);

  const second = await start(dataDir);
  expect(await query(second.connectionString, 'SELECT v FROM kept')).toEqual([{ v: '台账' }]);
});

test('a stale postmaster.pid whose process is dead is removed and the server starts', async () => {
  const dataDir = await tempDataDir();
  const first = await start(dataDir);
  await query(first.connectionString, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (1)');
  const lock = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  await first.stop();

  const child = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
  await fs.writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), lock.replace(/^\d+/, String(deadPid)));

  const second = await start(dataDir);
  expect(await query(second.connectionString, 'SELECT v FROM kept')).toEqual([{ v: 1 }]);
});

test('the connection string names the Unix socket in <dataDir>/pg: connections use it; TCP on 127.0.0.1 answers too', async () => {
  const dataDir = await tempDataDir();
  const h = await start(dataDir);
  const url = new URL(h.connectionString);
  expect(url.searchParams.get('host')).toBe(path.join(dataDir, 'pg'));
  // over a Unix socket the server has no inet address
  expect(await query(h.connectionString, 'SELECT inet_server_addr() AS addr')).toEqual([{ addr: null }]);
  url.search = '';
  expect(await query(url.toString(), 'SELECT host(inet_server_addr()) AS addr')).toEqual([{ addr: '127.0.0.1' }]);
});

test('no socket where its path would be too long or PostgreSQL would read the directory as a list', () => {
  expect(socketDir('/var/lib/yq/pg')).toBe('/var/lib/yq/pg');
  expect(socketDir(`/${'d'.repeat(100)}/pg`)).toBeUndefined();
  expect(socketDir('/srv/my data/pg')).toBeUndefined();
  expect(socketDir('/srv/a,b/pg')).toBeUndefined();
});

test('a stale postmaster.pid whose pid now belongs to a non-postgres process is removed and the server starts', async () => {
  const dataDir = await tempDataDir();
  const first = await start(dataDir);
  const lock = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  await first.stop();
  // This jest process stands in for whatever process reused the crashed server's pid.
  await fs.writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), lock.replace(/^\d+/, String(process.pid)));

  const second = await start(dataDir);
  expect(await query(second.connectionString, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
});

test('a second start on a dataDir whose server is owned by a live process is refused, saying what to do; the server is left alone', async () => {
  const dataDir = await tempDataDir();
  // its postgres is a child of this (node) process: owned by a live instance, not an orphan
  const first = await start(dataDir);
  const pid = Number((await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const warnings: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_o: unknown, m?: string) => void warnings.push(String(m)),
    error: () => undefined,
  };
  const refused = startDatabase({ dataDir, logger });
  await expect(refused).rejects.toBeInstanceOf(ConfigError);
  await expect(refused).rejects.toThrow(
    `数据目录 ${dataDir} 正被另一个运行中的实例使用（PostgreSQL 进程 ${pid}）：请先停止该实例，或用 DATA_DIR 指定另一个目录。` +
      ` another running instance uses ${dataDir} (PostgreSQL pid ${pid}): stop it first or set DATA_DIR`,
  );
  expect(warnings).toEqual([]);
  expect(await query(first.connectionString, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
});

test("a server that cannot start fails with PostgreSQL's own log lines instead of hanging", async () => {
  const dataDir = await tempDataDir();
  const first = await start(dataDir);
  await first.stop();
  await fs.writeFile(path.join(dataDir, 'pg', 'PG_VERSION'), '9\n');
  await expect(startDatabase({ dataDir })).rejects.toThrow(/failed to start:[\s\S]*incompatible/);
});

test('with databaseUrl nothing is started and stop does nothing', async () => {
  const dataDir = await tempDataDir();
  const h = await startDatabase({ dataDir, databaseUrl: 'postgres://u:p@db.example:5432/yq' });
  expect(h).toEqual({
    connectionString: 'postgres://u:p@db.example:5432/yq',
    embedded: false,
    stop: expect.any(Function),
  });
  await h.stop();
  expect(await fs.readdir(dataDir)).toEqual([]);
});
