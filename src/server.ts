/**
 * HTTP: Koa + @koa/router. Mounts the adapters' callback routes, `/healthz`, and the sandbox;
 * every error ends in one JSON body `{error, message}` (4xx for the caller's mistakes, 500 without
 * details otherwise).
 */
import { timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import type { Logger } from 'pino';
import type { PlatformAdapter } from './bot/types.js';
import { CodedError } from './errors.js';
import { apiAccess, type DashboardDeps, mountDashboard } from './server-dashboard.js';

/** What the server needs. `health` reports the database and scheduler states. */
export interface ServerDeps {
  adapters: PlatformAdapter[];
  logger: Logger;
  /** Trust X-Forwarded-* (settings TRUST_PROXY); off: the socket address is what gets logged. */
  trustProxy?: boolean;
  /** Serve the sandbox to any host (settings SANDBOX=public); default loopback only. */
  sandboxPublic?: boolean;
  health(): Promise<HealthReport>;
  /**
   * The outbox's state for `/healthz` (issue 14): counts per platform and the newest dead
   * letter's error; any dead letter makes the status `degraded` (still 200: the bot works, a
   * message did not arrive — an admin retries it).
   */
  delivery?(): Promise<{
    platforms: Array<{ platform: string; pending: number; retrying: number; sent: number; dead: number }>;
    lastError: { id: number; error: string; at: Date } | null;
  }>;
  /**
   * Configuration errors the platforms reported (WeCom 60020, 93000, 40001, …; the delivery
   * worker's `configProblems`): any makes the status `degraded`, listed under `configuration`
   * with the reason (issue 12 item 5); a requeue of dead letters clears them.
   */
  configProblems?(): Array<{
    platform: string;
    destination: string;
    code?: number | string;
    reason: string;
    since: Date;
    at: Date;
  }>;
  /** Prometheus text for `GET /metrics` and its content type. */
  metrics?(): Promise<{ contentType: string; body: string }>;
  /** Puts dead letters back in the queue (`POST /api/outbox/:id/retry`, id or `all`); returns how many. */
  retryDead?(which: number | 'all'): Promise<number>;
  /** Bearer token of the admin API (settings ADMIN_TOKEN); unset: the admin API always answers 401. */
  adminToken?: string;
  /**
   * The office's web view (issue 11): with it, every `/api/*` route but the sandbox's needs a
   * credential (401 JSON without) and `/dashboard` serves the page (server-dashboard.ts).
   */
  dashboard?: DashboardDeps;
}

/** Each part's state for `/healthz`: `db` and `scheduler` decide the status; `details` say why. */
export interface HealthReport {
  db: boolean;
  scheduler: boolean;
  /** Per part: `{state: 'up' | 'down', …why}` (e.g. since when, the last error, `reason`). */
  details?: Record<string, { state: 'up' | 'down'; [k: string]: unknown }>;
}

/** Whether the request carries `Authorization: Bearer <token>` (constant-time compare). */
function authorised(ctx: Context, token: string | undefined): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
  if (!m) return false;
  const given = Buffer.from(m[1].trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Builds the Koa app (testable through `app.callback()` without a port). */
export function createServer(deps: ServerDeps): Koa {
  const app = new Koa();
  app.proxy = deps.trustProxy === true;
  app.use(async (ctx, next) => {
    try {
      await next();
      // No route matched (404) or the router refused the method (405/501) without a body: JSON too.
      if (ctx.status >= 400 && ctx.body == null) {
        const status = ctx.status;
        ctx.status = status;
        ctx.body = {
          error: status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST',
          message: `${status === 404 ? '没有这个地址：' : '不支持这种请求方法：'}${ctx.method} ${ctx.path}`,
        };
      }
    } catch (err) {
      const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; code?: string };
      const status = err instanceof CodedError ? err.status : (e.status ?? e.statusCode ?? 500);
      const expose = err instanceof CodedError ? err.expose : status < 500;
      ctx.status = status;
      ctx.body = {
        error: err instanceof CodedError ? err.code : status < 500 ? 'BAD_REQUEST' : 'INTERNAL',
        message: expose ? (e.message ?? 'error') : 'internal error',
      };
      if (status >= 500) deps.logger.error({ err, path: ctx.path }, 'request failed');
      else deps.logger.info({ status, path: ctx.path, message: e.message }, 'request refused');
    }
  });
  // The sandbox has no login (anyone reaching it can speak as anyone): this machine only, unless public.
  app.use(async (ctx, next) => {
    if (!deps.sandboxPublic && /^\/(api\/)?sandbox(\/|$)/.test(ctx.path) && !isLoopback(ctx.req.socket.remoteAddress)) {
      deps.logger.warn(
        { remote: ctx.req.socket.remoteAddress, path: ctx.path },
        'sandbox request from another host refused',
      );
      ctx.status = 403;
      ctx.body = { error: 'FORBIDDEN', message: '本地沙盒仅限本机访问（如需局域网演示，设置 SANDBOX=public）' };
      return;
    }
    await next();
  });
  if (deps.dashboard) app.use(apiAccess(deps.dashboard));
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const h: HealthReport = await deps.health().catch(() => ({ db: false, scheduler: false }));
    const ok = h.db && h.scheduler;
    const d = h.db && deps.delivery ? await deps.delivery().catch(() => undefined) : undefined;
    const total = (k: 'pending' | 'retrying' | 'sent' | 'dead') => (d?.platforms ?? []).reduce((n, p) => n + p[k], 0);
    const dead = total('dead');
    const problems = deps.configProblems?.() ?? [];
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      status: ok && dead === 0 && problems.length === 0 ? 'ok' : 'degraded',
      db: h.db ? 'up' : 'down',
      scheduler: h.scheduler ? 'up' : 'down',
      ...(ok || !h.details ? {} : { details: h.details }),
      ...(d
        ? {
            delivery: {
              pending: total('pending'),
              retrying: total('retrying'),
              dead,
              platforms: d.platforms,
              lastError: d.lastError ? { ...d.lastError, at: d.lastError.at.toISOString() } : null,
            },
          }
        : {}),
      ...(problems.length
        ? {
            configuration: problems.map((p) => ({
              ...p,
              since: p.since.toISOString(),
              at: p.at.toISOString(),
            })),
          }
        : {}),
    };
  });
  router.get('/metrics', async (ctx) => {
    if (!deps.metrics) return;
    const m = await deps.metrics();
    ctx.type = m.contentType;
    ctx.body = m.body;
  });
  router.post('/api/outbox/:id/retry', async (ctx) => {
    if (!authorised(ctx, deps.adminToken) || !deps.retryDead) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { error: 'UNAUTHORIZED', message: 'admin API: send Authorization: Bearer <ADMIN_TOKEN>' };
      return;
    }
    const raw = ctx.params.id;
    if (raw !== 'all' && !/^\d{1,15}$/.test(raw)) {
      ctx.status = 400;
      ctx.body = { error: 'BAD_REQUEST', message: 'id must be an outbox row id (digits) or "all"' };
      return;
    }
    const requeued = await deps.retryDead(raw === 'all' ? 'all' : Number(raw));
    if (raw !== 'all' && requeued === 0) {
      ctx.status = 404;
      ctx.body = { error: 'NOT_FOUND', message: `no dead letter with id ${raw}` };
      return;
    }
    ctx.body = { requeued };
  });
  router.get('/', (ctx) => {
    if (deps.adapters.some((a) => a.platform === 'sandbox')) ctx.redirect('/sandbox');
    else ctx.body = { name: 'yuqing-bot', health: '/healthz' };
  });
  if (deps.dashboard) mountDashboard(router, deps.dashboard);
  for (const a of deps.adapters) a.routes?.(router);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Whether a socket address is this machine (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || /^127\./.test(a);
}
