/**
 * The whole bot for end-to-end tests: `startTestApp()` runs `startApp` (real HTTP on 127.0.0.1,
 * real Agenda, real PostgreSQL — a fresh database on the run's test server) with the demo
 * organisation and a controllable clock (by default flowing from 14:00 business time today). Call `stop()` in afterAll/afterEach.
 */
import pino from 'pino';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadOrgConfig } from '../../src/config/load.js';
import type { OrgConfig } from '../../src/config/schema.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { fromWallTime, wallTime } from '../../src/domain/business-time.js';
import type { Clock } from '../../src/domain/ports.js';
import { createTestDatabase, type TestDatabase } from './pg.js';

/**
 * A clock tests control. `new TestClock(start)` / `TestClock.frozen(start)` is frozen at `start` and moves only by `set` /
 * `advance` (exact timestamps in assertions); `TestClock.flowing()` follows real time (what the
 * scheduler runs on), optionally shifted by `advance`.
 */
export class TestClock implements Clock {
  private t: number;
  private readonly flows: boolean;
  /** Frozen at `start` (default: now); with `flows`, real time (start ignored). */
  constructor(start: Date = new Date(), flows = false) {
    this.flows = flows;
    this.t = flows ? 0 : start.getTime();
  }
  /** Frozen at `start`. */
  static frozen(start: Date): TestClock {
    return new TestClock(start);
  }
  /** Real time plus an offset (0 at first). */
  static flowing(): TestClock {
    return new TestClock(new Date(), true);
  }
  /**
   * Flowing from today's `hhmm` business time (default 14:00 Asia/Shanghai; the date is the real
   * business date): what `startTestApp` runs on, so no test depends on the hour the suite runs at
   * (after 17:30 a start-up posts the day's missed rollup, 补发, into every chat; near midnight the
   * business date would change mid-test).
   */
  static flowingAt(hhmm = '14:00', timeZone = 'Asia/Shanghai'): TestClock {
    const clock = TestClock.flowing();
    const [hour, minute] = hhmm.split(':').map(Number);
    clock.set(fromWallTime({ ...wallTime(new Date(), timeZone), hour, minute }, timeZone));
    return clock;
  }
  now(): Date {
    return new Date(this.flows ? Date.now() + this.t : this.t);
  }
  set(d: Date): void {
    this.t = this.flows ? d.getTime() - Date.now() : d.getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** The demo organisation (config/default.yaml). */
export function demoConfig(): OrgConfig {
  return loadOrgConfig('config/default.yaml');
}

export interface TestApp extends RunningApp {
  clock: TestClock;
  /** POSTs JSON to the app and returns status and parsed body. */
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
  get(path: string): Promise<{ status: number; body: any }>;
}

/**
 * Starts the bot on a fresh test database.
 * @param opts.settings env-style overrides (e.g. `{ WECOM_AIBOT_TOKEN: '…' }`).
 */
export async function startTestApp(
  opts: {
    settings?: Record<string, string>;
    config?: OrgConfig;
    clock?: TestClock;
    /** Reuse this database (e.g. to restart the bot on the same data); it is then not dropped by `stop()`. */
    database?: TestDatabase;
  } = {},
): Promise<TestApp> {
  const own = !opts.database;
  const tdb = opts.database ?? (await createTestDatabase());
  if (own) await tdb.store.close();
  const settings: Settings = loadSettings({
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: tdb.connectionString,
    ...opts.settings,
  });
  const clock = opts.clock ?? TestClock.flowingAt();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let app: RunningApp;
  try {
    app = await startApp({ settings, config: opts.config ?? demoConfig(), logger, clock, host: '127.0.0.1' });
  } catch (err) {
    if (own) await tdb.drop();
    throw err;
  }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as any };
  };
  const stopApp = app.stop;
  return Object.assign(app, {
    clock,
    post: (path: string, body: unknown) => call('POST', path, body),
    get: (path: string) => call('GET', path),
    stop: async () => {
      await stopApp();
      if (own) await tdb.drop();
    },
  });
}
