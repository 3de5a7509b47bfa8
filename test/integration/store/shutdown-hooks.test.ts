/**
 * The embedded PostgreSQL never outlives the node process (architecture.md: main.ts stops all on
 * SIGTERM; common brief: embedded postgres is stopped on every exit path). Real child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidAlive, waitUntil } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = path.join(ROOT, 'test/integration/store/fixtures/embedded-child.ts');

interface Child {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
  postgresPid: number;
  dataDir: string;
}

const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.exited;
    if (pidAlive(c.postgresPid)) process.kill(c.postgresPid, 'SIGINT');
    await waitUntil(() => !pidAlive(c.postgresPid), 'leftover postgres to stop');
    await fs.rm(c.dataDir, { recursive: true, force: true });
  }
});

/** Spawns the child and resolves once it printed `ready`, with the postmaster's pid. */
async function startChild(mode: 'hooks' | 'plain'): Promise<Child> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'yq-shutdown-test-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out.push(...d.toString().split('\n').filter(Boolean));
      if (out.includes('ready')) resolve();
    });
    void exited.then((code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  const lock = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  const child = { proc, out, exited, postgresPid: Number.parseInt(lock, 10), dataDir };
  children.push(child);
  expect(pidAlive(child.postgresPid)).toBe(true);
  return child;
}

test('SIGTERM runs the shutdown (stops PostgreSQL) and exits 0', async () => {
  const c = await startChild('hooks');
  c.proc.kill('SIGTERM');
  expect(await c.exited).toBe(0);
  expect(c.out).toContain('stopped');
  expect(pidAlive(c.postgresPid)).toBe(false);
});

test('SIGINT runs the shutdown and exits 0', async () => {
  const c = await startChild('hooks');
  c.proc.kill('SIGINT');
  expect(await c.exited).toBe(0);
  expect(pidAlive(c.postgresPid)).toBe(false);
});

test('Ctrl-C in a terminal under tsx: SIGINT twice at once (relayed) and PostgreSQL signalled too still shuts down cleanly, exit 0', async () => {
  const c = await startChild('hooks');
  // the terminal signals the whole process group (the bot and its postgres); tsx relays it again
  process.kill(c.postgresPid, 'SIGINT');
  c.proc.kill('SIGINT');
  await waitUntil(() => c.out.includes('log:shutting down'), 'the shutdown to start');
  c.proc.kill('SIGINT');
  expect(await c.exited).toBe(0);
  expect(c.out).not.toContain('log:shutdown already in progress: exiting now');
  expect(c.out).toContain('stopped');
  expect(pidAlive(c.postgresPid)).toBe(false);
});

test('an uncaught exception stops PostgreSQL and exits 1', async () => {
  const c = await startChild('hooks');
  c.proc.stdin!.write('throw\n');
  expect(await c.exited).toBe(1);
  expect(c.out).toContain('stopped');
  expect(pidAlive(c.postgresPid)).toBe(false);
});

test('an unhandled rejection stops PostgreSQL and exits 1', async () => {
  const c = await startChild('hooks');
  c.proc.stdin!.write('reject\n');
  expect(await c.exited).toBe(1);
  expect(pidAlive(c.postgresPid)).toBe(false);
});

test('without hooks, process.exit still signals PostgreSQL to stop and keeps the exit code', async () => {
  const c = await startChild('plain');
  c.proc.stdin!.write('exit\n');
  expect(await c.exited).toBe(3);
  await waitUntil(() => !pidAlive(c.postgresPid), 'orphaned postgres to stop');
});
