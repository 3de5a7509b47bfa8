/**
 * Stale `postmaster.pid` handling for the embedded PostgreSQL. After a crash the lock file stays
 * behind; PostgreSQL removes it itself only when the recorded pid is gone, but in containers the pid
 * is often reused by another process (or, running as the `postgres` user, it cannot signal a root
 * process and assumes a live server), and then refuses to start. We remove the file when the recorded
 * process is dead or is not a postgres server; a live postgres server is left alone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** What {@link clearStalePostmasterPid} found. */
export type PostmasterPidState = 'absent' | 'removed-stale' | 'running';

/** True if `pid` exists (signal 0 succeeds or is refused for permission). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True if the live process `pid` looks like a postgres server: its argv[0] is named `postgres`.
 * Where `/proc` is unavailable we cannot tell, and assume it is one (the safe answer).
 */
async function looksLikePostgres(pid: number): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return process.platform !== 'linux';
  }
  const argv0 = cmdline.split('\0')[0] ?? '';
  return path.basename(argv0) === 'postgres' || argv0.startsWith('postgres:');
}

/**
 * Inspects `<pgDir>/postmaster.pid` and removes it if the server it names is not running.
 * @returns `absent` (no file), `removed-stale` (file removed) or `running` (a postgres process holds it).
 */
export async function clearStalePostmasterPid(pgDir: string): Promise<PostmasterPidState> {
  const file = path.join(pgDir, 'postmaster.pid');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  const alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid && processExists(pid);
  if (alive && (await looksLikePostgres(pid))) return 'running';
  await fs.rm(file, { force: true });
  return 'removed-stale';
}
