/**
 * The bot as a child process (`node --import tsx src/main.ts`), for fault tests that kill it with SIGKILL and
 * start it again on the same port and database: `const bot = new BotProcess({env}); await
 * bot.start(); …; await bot.kill(); await bot.start(); …; await bot.stop()`. Start-up is awaited on
 * the line main.ts prints when it is ready (no sleeps). Its output goes to `logFile` (appended).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Options: the environment of the child (PORT, DATABASE_URL, …) and where its output goes. */
export interface BotProcessOptions {
  env: Record<string, string>;
  logFile: string;
  /** Longest wait for "is running", ms (default 60000). */
  startTimeoutMs?: number;
}

/** One bot child process at a time; see the module comment. */
export class BotProcess {
  private child?: ChildProcess;
  /** How many times it was started, killed. */
  starts = 0;
  kills = 0;
  /** How long each start took until ready, ms. */
  readonly startMs: number[] = [];

  constructor(private readonly opts: BotProcessOptions) {}

  /** Whether a child is running. */
  get running(): boolean {
    return this.child !== undefined;
  }

  /**
   * Starts the child and resolves when it printed that it is running.
   * @throws Error when it exits first or does not get ready within startTimeoutMs.
   */
  async start(): Promise<void> {
    if (this.child) throw new Error('bot process already running');
    const t0 = Date.now();
    const out = fs.openSync(this.opts.logFile, 'a');
    // One process (node with tsx's loader), so SIGKILL reaches the bot itself, not a wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts')], {
      env: { ...process.env, NODE_OPTIONS: '', ...this.opts.env },
      stdio: ['ignore', 'pipe', out],
    });
    fs.closeSync(out);
    this.child = child;
    this.starts += 1;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => fail(new Error('bot process did not get ready in time')),
        this.opts.startTimeoutMs ?? 60_000,
      );
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        fs.appendFileSync(this.opts.logFile, text);
        seen += text;
        if (seen.includes('yuqing-bot is running')) {
          this.startMs.push(Date.now() - t0);
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null) =>
        fail(new Error(`bot process exited during start-up (code ${code}); see ${this.opts.logFile}`));
      const cleanup = () => {
        clearTimeout(timer);
        child.off('exit', onExit);
        // keep draining stdout into the log file
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (c: Buffer) => fs.appendFileSync(this.opts.logFile, c));
      };
      const fail = (err: Error) => {
        cleanup();
        child.kill('SIGKILL');
        reject(err);
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
  }

  /** SIGKILL (no shutdown hooks run: a crash) and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.kills += 1;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM (graceful) and wait for the exit; SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
