/**
 * Fault test "orphaned embedded PostgreSQL": the bot runs as a child process on its own DATA_DIR
 * (embedded PostgreSQL, no DATABASE_URL). Killed with SIGKILL, its postgres child is re-parented and
 * keeps holding `<DATA_DIR>/pg`. The next start must stop that orphan (fast shutdown) and start
 * normally, keeping the data: an incident reported through the sandbox before the kill is still in
 * the database afterwards.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from '../../../src/store/free-port.js';
import { BotProcess } from '../../fakes/bot-process.js';

const ID_RE = /YQ-\d{8}-\d{3}/;
let dir: string;
let bot: BotProcess;
let url: string;
const postgresPids: number[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-orphan-'));
  await fs.chmod(dir, 0o755); // PostgreSQL runs as `postgres` when we are root
  const port = await findFreePort();
  url = `http://127.0.0.1:${port}`;
  bot = new BotProcess({
    logFile: path.join(dir, 'bot.log'),
    env: { PORT: String(port), DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await bot?.stop();
  for (const pid of postgresPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await fs.rm(dir, { recursive: true, force: true });
});

/** `postmaster.pid` lines: pid (1), data dir (2), start time (3), port (4). */
async function postmaster(): Promise<{ pid: number; port: number }> {
  const lines = (await fs.readFile(path.join(dir, 'data', 'pg', 'postmaster.pid'), 'utf8')).split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Parent pid from /proc/<pid>/stat (after the last ')', fields: state ppid …). */
async function parentOf(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(
    stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[1],
  );
}

async function untilTrue(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function incidentIds(): Promise<string[]> {
  const password = (await fs.readFile(path.join(dir, 'data', 'pg-password'), 'utf8')).trim();
  const { port } = await postmaster();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'yuqing' });
  await client.connect();
  try {
    return (await client.query<{ id: string }>('SELECT id FROM incidents ORDER BY id')).rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

test('a SIGKILLed bot leaves its PostgreSQL running; the next start stops that orphan and keeps the data', async () => {
  await bot.start();
  const first = await postmaster();
  postgresPids.push(first.pid);

  // an incident reported before the kill
  const res = await fetch(`${url}/api/sandbox/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chatId: 'relief', userId: 'chenjing', text: '/上报 孤儿数据库测试 kept across the kill' }),
  });
  expect(res.status).toBe(202);
  let reported = '';
  await untilTrue('the incident id in the bot answer', async () => {
    const messages = (await (await fetch(`${url}/api/sandbox/chats/relief/messages`)).json()) as Array<{
      from: string;
      text: string;
    }>;
    reported = messages.find((m) => m.from === 'bot' && ID_RE.test(m.text))?.text.match(ID_RE)?.[0] ?? '';
    return reported !== '';
  });
  expect(await incidentIds()).toContain(reported);

  await bot.kill();
  // the postgres it left is alive, and nobody's child any more (re-parented away from the bot)
  expect(alive(first.pid)).toBe(true);
  const parent = await parentOf(first.pid);
  const parentCmd = await fs.readFile(`/proc/${parent}/cmdline`, 'utf8').catch(() => '');
  expect(parent === 1 || !path.basename(parentCmd.split('\0')[0] ?? '').includes('node')).toBe(true);

  await bot.start();
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  const second = await postmaster();
  postgresPids.push(second.pid);
  expect(second.pid).not.toBe(first.pid);
  await untilTrue('the orphan to be gone', () => !alive(first.pid), 5000);
  expect(await incidentIds()).toContain(reported);
  const log = await fs.readFile(path.join(dir, 'bot.log'), 'utf8');
  expect(log).toContain('stopping the embedded PostgreSQL a killed previous run left behind');
}, 180_000);

test('a second bot on the same DATA_DIR while the first runs is refused with the message alone, and the first keeps running', async () => {
  expect(bot.running).toBe(true);
  const { pid } = await postmaster();
  const logFile = path.join(dir, 'second.log');
  const second = new BotProcess({
    logFile,
    env: { PORT: String(await findFreePort()), DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' },
  });
  await expect(second.start()).rejects.toThrow(/exited during start-up \(code 1\)/);
  const log = await fs.readFile(logFile, 'utf8');
  expect(log).toContain(
    `启动失败 start-up failed: 数据目录 ${path.join(dir, 'data')} 正被另一个运行中的实例使用（PostgreSQL 进程 ${pid}）`,
  );
  expect(log).not.toMatch(/^\s+at /m); // a known, user-actionable error: no stack
  expect(alive(pid)).toBe(true);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}, 120_000);
