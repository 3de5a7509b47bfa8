/**
 * The whole bot for end-to-end tests: `startTestApp()` runs `startApp` (real HTTP on 127.0.0.1,
 * real Agenda, real PostgreSQL — a fresh database on the run's test server) with the demo
 * organisation and a controllable clock. Call `stop()` in afterAll/afterEach.
 */
import pino from 'pino';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadOrgConfig } from '../../src/config/load.js';
import type { OrgConfig } from '../../src/config/schema.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import type { Clock } from '../../src/domain/ports.js';
import { createTestDatabase } from './pg.js';

/** A clock tests move by hand. Starts at `start` (default: now). */
export class TestClock implements Clock {
  private t: number;
  constructor(start: Date = new Date()) { this.t = start.getTime(); }
  now(): Date { return new Date(this.t); }
  set(d: Date): void { this.t = d.getTime(); }
  advance(ms: number): void { this.t += ms; }
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
export async function startTestApp(opts: { settings?: Record<string, string>; config?: OrgConfig; clock?: TestClock } = {}): Promise<TestApp> {
  const tdb = await createTestDatabase();
  await tdb.store.close();
  const settings: Settings = loadSettings({ PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: tdb.connectionString, ...opts.settings });
  const clock = opts.clock ?? new TestClock();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let app: RunningApp;
  try {
    app = await startApp({ settings, config: opts.config ?? demoConfig(), logger, clock, host: '127.0.0.1' });
  } catch (err) {
    await tdb.drop();
    throw err;
  }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed as any };
  };
  const stopApp = app.stop;
  return Object.assign(app, {
    clock,
    post: (path: string, body: unknown) => call('POST', path, body),
    get: (path: string) => call('GET', path),
    stop: async () => { await stopApp(); await tdb.drop(); },
  });
}
