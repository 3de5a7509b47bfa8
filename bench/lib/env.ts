/**
 * What every benchmark starts, always in a fresh temp directory and on loopback only: an embedded
 * PostgreSQL with an open store (`startBenchStore`), or the whole bot (`startBenchApp`: sandbox on,
 * PORT 0, host 127.0.0.1, LOG_LEVEL silent). Each handle is tracked until stopped, so
 * `stopEverything()` (run by bench/run.ts on a signal or a crash) leaves no PostgreSQL behind.
 */
import type { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import pino from 'pino';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadOrgConfig } from '../../src/config/load.js';
import type { OrgConfig } from '../../src/config/schema.js';
import { loadSettings } from '../../src/config/settings.js';
import type { Clock } from '../../src/domain/ports.js';
import { openStore, startDatabase, type DatabaseHandle, type Store } from '../../src/store/index.js';
import { stopping } from './stats.js';

const running = new Set<() => Promise<void>>();

/** Tracks `stop` until it has run once; returns the idempotent tracked version. */
function track(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = (): Promise<void> => {
    done ??= stop().finally(() => running.delete(once));
    return done;
  };
  running.add(once);
  return once;
}

/** Stops every handle still running (newest first), after telling the benchmarks to stop. Never throws. */
export async function stopEverything(): Promise<void> {
  stopping.abort();
  for (const stop of [...running].reverse()) {
    await stop().catch((err: unknown) => process.stderr.write(`bench cleanup failed: ${String(err)}\n`));
  }
}

/** A clock benchmarks move by hand (domain time; the scheduler maps it to real time). */
export class BenchClock implements Clock {
  private t = Date.now();
  now(): Date {
    return new Date(this.t);
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.t += ms;
  }
}

/** The demo organisation of config/default.yaml. */
export function demoConfig(): OrgConfig {
  return loadOrgConfig('config/default.yaml');
}

const tempDirs = new Set<string>();
// Last resort (Ctrl-C, crash): remove temp dirs still present when the process exits.
process.on('exit', () => {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

async function removeTempDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** An embedded PostgreSQL in a temp dir and a migrated store on it. */
export interface BenchStore {
  store: Store;
  /** The PostgreSQL URL (for a child process of a benchmark). */
  connectionString: string;
  /** Closes the pool, stops PostgreSQL, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL (embedded, temp dir) and opens the store with `maxConnections` (default 10). */
export async function startBenchStore(maxConnections = 10): Promise<BenchStore> {
  const dir = await tempDir('yq-bench-db-');
  let database: DatabaseHandle | undefined;
  let store: Store | undefined;
  const stop = track(async () => {
    try {
      await store?.close();
    } finally {
      try {
        await database?.stop();
      } finally {
        await removeTempDir(dir);
      }
    }
  });
  try {
    database = await startDatabase({ dataDir: dir });
    store = await openStore({ connectionString: database.connectionString, maxConnections });
  } catch (err) {
    await stop();
    throw err;
  }
  return { store, stop, connectionString: database.connectionString };
}

/** A running bot on its own embedded PostgreSQL; `stop()` also removes its temp dir. */
export type BenchApp = RunningApp;

/**
 * The report schedules moved to 23:59 (business time), so that a bench app started after 17:30
 * Asia/Shanghai (09:30 UTC) does not post the day's missed rollup to every chat at start-up (the
 * catch-up of src/jobs/rollup-job.ts), in the middle of a measurement: in the afternoon (UTC) runs
 * that was 43 report posts and their deliveries during (f). Only a run at 23:59 still meets them.
 */
export function withoutReportCatchUp(config: OrgConfig): OrgConfig {
  return {
    ...config,
    rollup: { ...config.rollup, time: '23:59' },
    reports: {
      ...config.reports,
      weekly: { ...config.reports.weekly, time: '23:59' },
      monthly: { ...config.reports.monthly, time: '23:59' },
    },
  };
}

/**
 * Starts the whole bot (src/app.ts) with the demo organisation on a fresh embedded PostgreSQL.
 * @param opts.settings env-style overrides (e.g. `WECOM_AIBOT_TOKEN`); process env is not read.
 * @param opts.reportSchedules `true` keeps the config's report times (the rollup benchmarks, with a
 *   fixed clock before the cut); otherwise they move out of the way (`withoutReportCatchUp`).
 */
export async function startBenchApp(
  opts: { settings?: Record<string, string>; clock?: Clock; config?: OrgConfig; reportSchedules?: boolean } = {},
): Promise<BenchApp> {
  const dir = await tempDir('yq-bench-app-');
  const settings = loadSettings({ PORT: '0', DATA_DIR: dir, SANDBOX: 'on', LOG_LEVEL: 'silent', ...opts.settings });
  let stopApp: (() => Promise<void>) | undefined;
  const stop = track(async () => {
    try {
      await stopApp?.();
    } finally {
      await removeTempDir(dir);
    }
  });
  let app: RunningApp;
  try {
    app = await startApp({
      settings,
      config: opts.reportSchedules ? (opts.config ?? demoConfig()) : withoutReportCatchUp(opts.config ?? demoConfig()),
      logger: pino({ level: 'silent' }),
      clock: opts.clock,
      host: '127.0.0.1',
    });
  } catch (err) {
    await stop();
    throw err;
  }
  stopApp = app.stop;
  guardNotificationChannel(app);
  return Object.assign(app, { stop });
}

/** Errors the scheduler's LISTEN channel emitted (see `guardNotificationChannel`). */
export const channelErrors: string[] = [];

/**
 * Workaround: @agendajs/postgres-backend's notification channel re-emits errors of its LISTEN
 * connection, Agenda never listens for them, and the connection keeps that listener after it goes
 * back to the pool. When PostgreSQL stops (or restarts) while that connection is still closing, the
 * 'error' has no listener and crashes the process. Here the benchmarks record such errors instead
 * (reached through Agenda's private field; the app itself should listen in src/jobs/agenda.ts).
 */
function guardNotificationChannel(app: RunningApp): void {
  const channel = (app.scheduler.agenda as unknown as { notificationChannel?: EventEmitter }).notificationChannel;
  channel?.on('error', (err: unknown) => {
    channelErrors.push(err instanceof Error ? err.message : String(err));
  });
}

let gcFn: (() => void) | undefined;
/** Runs a full garbage collection (enables `--expose-gc` at run time if needed). */
export function forceGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** This process's memory after a full GC, in bytes. */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  forceGc();
  forceGc();
  return process.memoryUsage();
}
