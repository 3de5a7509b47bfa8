/**
 * `postmaster.pid` handling for the embedded PostgreSQL.
 *
 * Stale lock: after a crash the lock file stays behind; PostgreSQL removes it itself only when the
 * recorded pid is gone, but in containers the pid is often reused by another process (or, running as
 * the `postgres` user, it cannot signal a root process and assumes a live server), and then refuses
 * to start. We remove the file when the recorded process is dead or is not a postgres server.
 *
 * Orphaned server: when the bot is killed with SIGKILL its postgres child is re-parented (to PID 1
 * or a subreaper) and keeps running, holding the data directory. {@link isOrphanedPostmaster} tells
 * such a server from one owned by a live bot (its parent is a node process); see
 * {@link stopOrphanedPostmaster}. Anything we cannot tell counts as owned (refused, never stopped).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { StoreLogger } from './logger.js';

/**
 * What {@link clearStalePostmasterPid} found: `absent` (no file), `removed-stale` (file removed) or
 * `running` (the live postgres process `pid` holds the directory).
 */
export type PostmasterPidState = { state: 'absent' } | { state: 'removed-stale' } | { state: 'running'; pid: number };

/** True if `pid` exists and is not a zombie (signal 0 succeeds or is refused for permission). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return true;
}

/**
 * The fields of `/proc/<pid>/stat` after the command name (`state ppid …`), or undefined when
 * unreadable. The name (field 2) is in parentheses and may itself hold spaces and `)`, so the rest
 * starts after the LAST `)`.
 */
async function procStatTail(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    if (close < 0) return undefined;
    return stat
      .slice(close + 1)
      .trim()
      .split(/\s+/);
  } catch {
    return undefined;
  }
}

/** True if `pid` is alive: exists and (where /proc says so) is not a zombie waiting to be reaped. */
async function isAlive(pid: number): Promise<boolean> {
  if (!processExists(pid)) return false;
  const tail = await procStatTail(pid);
  return tail?.[0] !== 'Z' && tail?.[0] !== 'X';
}

/** argv[0] of `pid` from `/proc/<pid>/cmdline`, or undefined when unreadable. */
async function argv0(pid: number): Promise<string | undefined> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0];
  } catch {
    return undefined;
  }
}

/**
 * True if the live process `pid` looks like a postgres server: its argv[0] is named `postgres`.
 * Where `/proc` is unavailable we cannot tell, and assume it is one (the safe answer).
 */
async function looksLikePostgres(pid: number): Promise<boolean> {
  const name = await argv0(pid);
  if (name === undefined) return process.platform !== 'linux';
  return path.basename(name) === 'postgres' || name.startsWith('postgres:');
}

/**
 * True only when we are sure the postmaster `pid` has no live bot behind it: Linux, and its parent
 * (field 4 of `/proc/<pid>/stat`) is PID 1, is gone, or is a process whose argv[0] is not node.
 * False (owned) whenever /proc cannot tell, so a server of a running bot is never stopped.
 */
export async function isOrphanedPostmaster(pid: number): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const ppid = Number.parseInt((await procStatTail(pid))?.[1] ?? '', 10);
  if (!Number.isInteger(ppid) || ppid < 0) return false;
  if (ppid <= 1) return true;
  if (!(await isAlive(ppid))) return true;
  const parent = await argv0(ppid);
  if (parent === undefined) return false;
  return !path.basename(parent).includes('node');
}

/**
 * Inspects `<pgDir>/postmaster.pid` and removes it if the server it names is not running.
 * @returns see {@link PostmasterPidState}.
 * @throws the file system's error when the file exists but cannot be read or removed.
 */
export async function clearStalePostmasterPid(pgDir: string): Promise<PostmasterPidState> {
  const file = path.join(pgDir, 'postmaster.pid');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw err;
  }
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  const alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid && (await isAlive(pid));
  if (alive && (await looksLikePostgres(pid))) return { state: 'running', pid };
  await fs.rm(file, { force: true });
  return { state: 'removed-stale' };
}

/** Options for {@link stopOrphanedPostmaster}; times in ms. */
export interface StopOrphanOptions {
  /** Longest wait for the exit after SIGINT (fast shutdown), then after SIGQUIT (default 30000). */
  timeoutMs?: number;
  /** Poll interval while waiting for the exit (default 100). */
  pollMs?: number;
}

/** Polls until `pid` is no longer alive; false if still alive at the deadline. */
async function awaitExit(pid: number, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

/** Sends `signal` to `pid`; a process already gone (ESRCH) is fine. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Stops the postmaster `pid` (call only for one {@link isOrphanedPostmaster} confirmed): SIGINT
 * (PostgreSQL fast shutdown: sessions end, data is checkpointed, the lock file removed) and waits
 * for the exit; if it outlives `timeoutMs`, SIGQUIT (immediate shutdown) and another wait, then
 * SIGKILL. Resolves when the process is gone.
 * @throws Error if it cannot be signalled (e.g. EPERM) or survives SIGKILL for `timeoutMs`.
 */
export async function stopOrphanedPostmaster(pid: number, opts: StopOrphanOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const pollMs = opts.pollMs ?? 100;
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGKILL'] as const) {
    signal(pid, sig);
    if (await awaitExit(pid, timeoutMs, pollMs)) return;
  }
  throw new Error(`PostgreSQL process ${pid} left by a previous run did not exit within ${timeoutMs} ms of SIGKILL`);
}

/** The start-up error for a data directory held by a live server of another running instance. */
export function dataDirInUseError(dataDir: string, pid: number): ConfigError {
  return new ConfigError(
    `数据目录 ${dataDir} 正被另一个运行中的实例使用（PostgreSQL 进程 ${pid}）：请先停止该实例，或用 DATA_DIR 指定另一个目录。` +
      ` another running instance uses ${dataDir} (PostgreSQL pid ${pid}): stop it first or set DATA_DIR to another directory`,
  );
}

/**
 * Makes `<dataDir>/pg` free for a new server: removes a stale `postmaster.pid`, and stops a server
 * a killed previous run left orphaned (warn log with its pid).
 * @param dataDir the base data directory (settings `DATA_DIR`, resolved), named in the error.
 * @throws ConfigError ({@link dataDirInUseError}) when a live server owned by another running
 *   instance holds it; Error from {@link stopOrphanedPostmaster} when an orphan will not exit.
 */
export async function claimDataDir(
  pgDir: string,
  dataDir: string,
  logger: StoreLogger,
  opts: StopOrphanOptions = {},
): Promise<void> {
  const lock = await clearStalePostmasterPid(pgDir);
  if (lock.state === 'removed-stale') logger.warn({ pgDir }, 'removed stale postmaster.pid left by a previous run');
  if (lock.state !== 'running') return;
  if (!(await isOrphanedPostmaster(lock.pid))) throw dataDirInUseError(dataDir, lock.pid);
  logger.warn({ pgDir, pid: lock.pid }, 'stopping the embedded PostgreSQL a killed previous run left behind');
  await stopOrphanedPostmaster(lock.pid, opts);
  // a fast shutdown removes the lock file itself; after SIGQUIT/SIGKILL it stays and is stale now
  const after = await clearStalePostmasterPid(pgDir);
  if (after.state === 'running') throw dataDirInUseError(dataDir, after.pid);
}
