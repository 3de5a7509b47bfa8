/**
 * The office's web view (issue 11): access control of `/api/*`, the dashboard's JSON API and the
 * 台账 export, and the page's static files (`src/web/dashboard/`, ECharts from `node_modules`; no
 * CDN). Composition code: it reads through the services (`IncidentService`, `ApprovalService`,
 * `ReportService`) and decides nothing they decide — visibility is `domain/visibility.ts` with the
 * viewer mapped once here (`viewerOfCredential`), figures are `src/reports/`.
 *
 * Credentials (issue 11 item 1): `Authorization: Bearer <token>`, either `ADMIN_TOKEN` (sees all,
 * the outbox too) or a unit viewer's token (`dashboard.viewers[]`, only its SHA-256 is configured;
 * read-only, the unit and its sub-units). Compared in constant time; a token is never logged;
 * every API access is logged with who, path and status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { DashboardConfig, ViewerDef } from './config/schema.js';
import type { ApprovalService } from './domain/approvals/ApprovalService.js';
import { formatBusiness } from './domain/business-time.js';
import type { Directory } from './domain/Directory.js';
import type { IncidentService } from './domain/IncidentService.js';
import { STATUS_NAMES } from './domain/messages.js';
import { addDaysYmd } from './domain/milestones/index.js';
import type { OutboxListRow } from './domain/outbox.js';
import type { Clock, IncidentFilter } from './domain/ports.js';
import type { ReportStore } from './domain/report-ports.js';
import { effectiveLevel, incidentPeople, responsibleIds } from './domain/responsibility.js';
import type { IncidentStatus, LedgerEntry } from './domain/types.js';
import { SYSTEM_VIEWER, type Viewer } from './domain/visibility.js';
import { ForbiddenError, IncidentNotFoundError, UsageError } from './errors.js';
import { ExportAbortedError, type ExportFormat, writeLedgerExport } from './reports/ledger-export.js';
import { at, businessDate, monthPeriod, reportYear, reportYearText } from './reports/period.js';
import type { ReportService } from './reports/ReportService.js';

/** Who is calling: the admin (ADMIN_TOKEN) or one unit's read-only viewer. */
export type Credential = { kind: 'admin' } | { kind: 'viewer'; id: string; name: string; unitId: string };

/** What the dashboard needs (wired in app.ts). */
export interface DashboardDeps {
  logger: Logger;
  directory: Directory;
  incidents: IncidentService;
  approvals: ApprovalService;
  reports: ReportService;
  reportStore: ReportStore;
  clock: Clock;
  settings: DashboardConfig;
  /** Settings ADMIN_TOKEN; unset: only viewers get in. */
  adminToken?: string;
  /** Outbox rows for the delivery-health panel (admin only). */
  outboxRows?(which: 'pending' | 'dead', limit: number): Promise<OutboxListRow[]>;
  /** The Chinese line of a ledger entry (commands/render.ts `ledgerLine`, the one home of the labels). */
  ledgerText(e: LedgerEntry): string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The credential a bearer token grants, or null. Every candidate is compared (SHA-256 digests of
 * equal length, `timingSafeEqual`, no early exit), so timing tells nothing about which one matched
 * or how much of it.
 */
export function credentialOf(
  authorization: string | undefined,
  adminToken: string | undefined,
  viewers: readonly ViewerDef[],
): Credential | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) return null;
  const given = sha256(m[1]);
  let found: Credential | null = null;
  if (adminToken && timingSafeEqual(given, sha256(adminToken))) found = { kind: 'admin' };
  for (const v of viewers) {
    const match = timingSafeEqual(given, Buffer.from(v.tokenSha256, 'hex'));
    if (match && !found) found = { kind: 'viewer', id: v.id, name: v.name ?? v.id, unitId: v.unit };
  }
  return found;
}

/** The visibility viewer of a credential (the one mapping): admin → `system`, a viewer → its unit. */
export function viewerOfCredential(c: Credential): Viewer {
  return c.kind === 'admin' ? SYSTEM_VIEWER : { kind: 'unit', unitId: c.unitId };
}

/** Who a credential is, for the access log (never the token). */
const whoOf = (c: Credential | null) => (c ? (c.kind === 'admin' ? 'admin' : `viewer:${c.id}`) : 'anonymous');

/** Paths that need a credential: `/api/*` except the sandbox's API (loopback-only, see server.ts). */
export function needsCredential(p: string): boolean {
  return p.startsWith('/api/') && !/^\/api\/sandbox(\/|$)/.test(p);
}

/**
 * Koa middleware: `/api/*` (but the sandbox's) answers 401 JSON without a valid credential; the
 * credential is put in `ctx.state.credential`; every access is logged (who, method, path, status).
 */
export function apiAccess(deps: Pick<DashboardDeps, 'logger' | 'adminToken' | 'settings'>): Middleware {
  return async (ctx, next) => {
    if (!needsCredential(ctx.path)) return next();
    const credential = credentialOf(ctx.get('authorization'), deps.adminToken, deps.settings.viewers);
    const started = Date.now();
    if (!credential) {
      deps.logger.warn(
        { who: 'anonymous', method: ctx.method, path: ctx.path, remote: ctx.ip, status: 401 },
        'api access refused',
      );
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = {
        error: 'UNAUTHORIZED',
        message: '需要登录：请提供 Authorization: Bearer <令牌>（ADMIN_TOKEN 或本单位的查看令牌）',
      };
      return;
    }
    ctx.state.credential = credential;
    try {
      await next();
    } finally {
      deps.logger.info(
        {
          who: whoOf(credential),
          method: ctx.method,
          path: ctx.path,
          remote: ctx.ip,
          status: ctx.status,
          ms: Date.now() - started,
        },
        'api access',
      );
    }
  };
}

/** The package root (the directory of the nearest package.json above this module): src/ or dist/ alike. */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let d = from; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) throw new Error(`no package.json above ${from}`);
  }
}

/** The page's files: route → file and content type. ECharts comes from its package. */
function assets(): Array<{ route: string; file: string; type: string }> {
  const root = packageRoot();
  const web = path.join(root, 'src', 'web', 'dashboard');
  const echarts = createRequire(path.join(root, 'package.json')).resolve('echarts/dist/echarts.min.js');
  return [
    { route: '/dashboard', file: path.join(web, 'index.html'), type: 'text/html; charset=utf-8' },
    { route: '/dashboard/app.js', file: path.join(web, 'app.js'), type: 'text/javascript; charset=utf-8' },
    { route: '/dashboard/charts.js', file: path.join(web, 'charts.js'), type: 'text/javascript; charset=utf-8' },
    { route: '/dashboard/style.css', file: path.join(web, 'style.css'), type: 'text/css; charset=utf-8' },
    { route: '/dashboard/vendor/echarts.min.js', file: echarts, type: 'text/javascript; charset=utf-8' },
  ];
}

/** No inline script; ECharts' tooltips set inline styles. Everything from this origin. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const credentialOfCtx = (ctx: Context): Credential => ctx.state.credential as Credential;

/** `YYYY-MM-DD` or undefined; @throws UsageError naming the parameter and the right form. */
function dateParam(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new UsageError(`参数 ${name} 应为日期，格式 YYYY-MM-DD（例如 2026-11-30）`);
  if (!reportYear(Number(v.slice(0, 4)))) throw new UsageError(`参数 ${name}：${reportYearText(v)}`);
  return v;
}

/**
 * One string parameter or undefined.
 * @throws UsageError when given twice, over 200 characters, or holding a control character (a NUL
 *   cannot be sent to PostgreSQL in a text).
 */
function strParam(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 200) throw new UsageError(`参数 ${name} 只能给一个值，且不超过 200 字`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v)) throw new UsageError(`参数 ${name} 含有不可见的控制字符`);
  return v;
}

/** Mounts the page and the API on `router` (behind `apiAccess`). */
export function mountDashboard(router: Router, deps: DashboardDeps): void {
  const dir = deps.directory;
  const tz = dir.timezone;
  const t = (d: Date | null | undefined) => (d ? formatBusiness(d, tz) : null);
  const files = assets();
  for (const a of files) {
    router.get(a.route, async (ctx) => {
      ctx.type = a.type;
      ctx.body = await readFile(a.file, 'utf8');
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('X-Content-Type-Options', 'nosniff');
      if (a.route === '/dashboard') ctx.set('Content-Security-Policy', CSP);
    });
  }
  // fail at start-up, not at the first request, when a file is missing (e.g. a build without src/web)
  for (const a of files) readFileSync(a.file, { encoding: 'utf8', flag: 'r' }).length;

  /** The period `[from, to]` (business dates, inclusive) as UTC instants; to defaults to today. */
  const period = (from: string | undefined, to: string | undefined, defaultDays?: number) => {
    const today = businessDate(deps.clock.now(), tz);
    const last = to ?? (defaultDays ? today : undefined);
    const first = from ?? (defaultDays ? addDaysYmd(last ?? today, -(defaultDays - 1)) : undefined);
    if (first && last && first > last) throw new UsageError('开始日期不能晚于结束日期（from ≤ to）');
    return {
      from: first ? at(first, '00:00', tz) : undefined,
      to: last ? at(addDaysYmd(last, 1), '00:00', tz) : undefined,
    };
  };

  const unitParam = (ctx: Context) => {
    const u = strParam(ctx, 'unit');
    if (u !== undefined && !dir.unit(u))
      throw new UsageError(`未知的单位：${u}（用单位 id，例如 ${dir.allUnits()[0]?.id}）`);
    return u;
  };

  router.get('/api/dashboard/meta', (ctx) => {
    const c = credentialOfCtx(ctx);
    const viewer = viewerOfCredential(c);
    const units = viewer.kind === 'unit' ? dir.subtree(viewer.unitId) : dir.allUnits().map((u) => u.id);
    ctx.body = {
      who: c.kind === 'admin' ? { kind: 'admin', name: '管理员' } : { kind: 'viewer', name: c.name, unitId: c.unitId },
      botName: dir.botName,
      timezone: tz,
      today: businessDate(deps.clock.now(), tz),
      units: units.map((id) => ({ id, name: dir.unit(id)?.name ?? id, parent: dir.unit(id)?.parent ?? null })),
      levels: dir.levels().map((l) => ({ id: l.id, name: l.name, colour: l.colour })),
      categories: dir.categories().map((x) => ({ id: x.id, name: x.name })),
      statuses: Object.entries(STATUS_NAMES).map(([id, name]) => ({ id, name })),
      canSeeDelivery: c.kind === 'admin' && !!deps.outboxRows,
    };
  });

  router.get('/api/incidents/export', async (ctx) => {
    const viewer = viewerOfCredential(credentialOfCtx(ctx));
    const format = (strParam(ctx, 'format') ?? 'xlsx') as ExportFormat;
    if (format !== 'xlsx' && format !== 'csv') throw new UsageError('参数 format 应为 xlsx 或 csv');
    const sheet = strParam(ctx, 'sheet') ?? 'incidents';
    if (sheet !== 'incidents' && sheet !== 'ledger')
      throw new UsageError('参数 sheet 应为 incidents（台账）或 ledger（台账明细，仅 CSV）');
    const p = period(dateParam(ctx, 'from'), dateParam(ctx, 'to'));
    const filter = deps.reports.exportFilter(viewer, { from: p.from, to: p.to, unitId: unitParam(ctx) });
    const batch = deps.settings.exportBatchSize;
    const stamp = businessDate(deps.clock.now(), tz).replace(/-/g, '');
    const name = `台账-${stamp}${sheet === 'ledger' && format === 'csv' ? '-明细' : ''}.${format}`;
    ctx.status = 200;
    ctx.type =
      format === 'xlsx'
        ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
        : 'text/csv; charset=utf-8';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="taizhang-${stamp}.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
    ctx.set('Cache-Control', 'no-store');
    const out = new PassThrough();
    ctx.body = out;
    const started = Date.now();
    writeLedgerExport(dir, out, {
      format,
      sheet,
      pages: deps.reportStore.exportIncidents(filter, batch),
      ledger: deps.reportStore.exportLedger(filter, batch),
      ledgerText: deps.ledgerText,
    }).then(
      (n) =>
        deps.logger.info(
          { who: whoOf(credentialOfCtx(ctx)), format, ...n, ms: Date.now() - started },
          'ledger exported',
        ),
      (err) => {
        if (err instanceof ExportAbortedError)
          deps.logger.warn({ who: whoOf(credentialOfCtx(ctx)), format }, 'ledger export stopped: the client went away');
        else deps.logger.error({ err }, 'ledger export failed part-way; the download is cut short');
        out.destroy(err as Error);
      },
    );
  });

  router.get('/api/incidents', async (ctx) => {
    const viewer = viewerOfCredential(credentialOfCtx(ctx));
    const unit = unitParam(ctx);
    const level = strParam(ctx, 'level');
    if (level !== undefined && !dir.level(level))
      throw new UsageError(
        `未知的级别：${level}（${dir
          .levels()
          .map((l) => l.id)
          .join('、')}）`,
      );
    const category = strParam(ctx, 'category');
    if (category !== undefined && !dir.category(category))
      throw new UsageError(
        `未知的类别：${category}（${dir
          .categories()
          .map((c) => c.id)
          .join('、')}）`,
      );
    const status = strParam(ctx, 'status');
    if (status !== undefined && !(status in STATUS_NAMES) && status !== 'open')
      throw new UsageError(`未知的状态：${status}（open 或 ${Object.keys(STATUS_NAMES).join('、')}）`);
    const p = period(dateParam(ctx, 'from'), dateParam(ctx, 'to'));
    const now = deps.clock.now();
    const filter: IncidentFilter = {
      reportedFrom: p.from,
      reportedTo: p.to,
      ...(unit ? { unitIds: dir.subtree(unit) } : {}),
      ...(level ? { levels: [level] } : {}),
      ...(category ? { categories: [category] } : {}),
      ...(status === 'open'
        ? { statuses: (Object.keys(STATUS_NAMES) as IncidentStatus[]).filter((s) => s !== 'closed') }
        : status
          ? { statuses: [status as IncidentStatus] }
          : {}),
      text: strParam(ctx, 'q'),
      limit: deps.settings.listLimit,
    };
    const overdueOnly = strParam(ctx, 'overdue') === '1';
    const [rows, overdue] = await Promise.all([
      deps.incidents.list(viewer, overdueOnly ? { ...filter, overdueAt: now } : filter),
      deps.incidents.list(viewer, { ...filter, overdueAt: now }),
    ]);
    const late = new Set(overdue.map((i) => i.id));
    ctx.body = {
      limit: deps.settings.listLimit,
      incidents: rows.map((i) => {
        const lv = effectiveLevel(i);
        return {
          id: i.id,
          title: i.title,
          unitId: i.unitId,
          unit: dir.unit(i.unitId)?.name ?? i.unitId,
          level: lv,
          levelName: dir.level(lv)?.name ?? lv,
          colour: dir.level(lv)?.colour ?? 'grey',
          category: i.category,
          categoryName: i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类',
          status: i.status,
          statusName: STATUS_NAMES[i.status],
          reportedAt: t(i.reportedAt),
          overdue: late.has(i.id),
        };
      }),
    };
  });

  router.get('/api/incidents/:id', async (ctx) => {
    const viewer = viewerOfCredential(credentialOfCtx(ctx));
    const id = ctx.params.id;
    if (!/^[A-Za-z0-9-]{1,40}$/.test(id)) throw new UsageError('事件编号格式应为 YQ-YYYYMMDD-NNN');
    const v = await deps.incidents.view(viewer, id).catch((err: unknown) => {
      throw err instanceof IncidentNotFoundError ? err.forWeb() : err;
    });
    const versions = await deps.approvals.versions(id);
    const i = v.incident;
    const now = deps.clock.now();
    const people = incidentPeople(
      dir,
      i,
      v.assignments.map((a) => a.personId),
    );
    const roles: Array<[string, string | null | readonly string[]]> = [
      ['第一责任人', people.firstResponsible],
      ['直接责任人', people.directResponsible],
      ['新闻发言人', people.spokesperson ?? null],
      ['办公室', people.office],
      ['指派', people.assignees],
    ];
    const required = new Set(responsibleIds(people));
    const lv = effectiveLevel(i);
    ctx.body = {
      incident: {
        id: i.id,
        title: i.title,
        description: i.description,
        sourceUrl: i.sourceUrl,
        source: i.sourceType === 'assigned' ? '上级交办' : '自查',
        unit: dir.unit(i.unitId)?.name ?? i.unitId,
        level: lv,
        levelName: `${dir.level(lv)?.name ?? lv}（${lv}）`,
        colour: dir.level(lv)?.colour ?? 'grey',
        category: i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类',
        status: i.status,
        statusName: STATUS_NAMES[i.status],
        reporter: dir.nameOf(i.reporterId),
        foundAt: t(i.foundAt),
        reportedAt: t(i.reportedAt),
        closedAt: t(i.closedAt),
      },
      people: roles.flatMap(([role, ids]) =>
        (Array.isArray(ids) ? ids : ids ? [ids] : []).map((p: string) => {
          const ack = v.acknowledgements.find((a) => a.personId === p);
          return { role, name: dir.nameOf(p), mustAck: required.has(p), ackAt: t(ack?.at) };
        }),
      ),
      milestones: v.milestones.map((m) => ({
        name: m.name,
        owners: m.ownerIds.map((p) => dir.nameOf(p)),
        dueAt: t(m.dueAt),
        metAt: t(m.metAt),
        state:
          m.state === 'met'
            ? m.metAt && m.metAt > m.dueAt
              ? 'late'
              : 'met'
            : m.state === 'cancelled'
              ? 'cancelled'
              : m.dueAt < now
                ? 'breached'
                : 'open',
        breachedAt: t(m.breachedAt),
      })),
      breaches: v.breaches.map((b) => ({
        milestone: v.milestones.find((m) => m.key === b.milestoneKey)?.name ?? b.milestoneKey,
        people: b.personIds.map((p) => dir.nameOf(p)),
        grade: b.grade === 'major' ? '重大' : '轻微',
        at: t(b.at),
        note: b.note,
      })),
      versions: versions.map((x) => ({
        kind: x.kind === 'statement' ? '稿件' : '方案',
        version: x.version,
        state:
          (
            { pending: '待审批', approved: '已通过', rejected: '已驳回', superseded: '已被新版本取代' } as Record<
              string,
              string
            >
          )[x.state] ?? x.state,
        author: dir.nameOf(x.authorId),
        submittedAt: t(x.submittedAt),
        approvers: x.approverIds.map((p) => dir.nameOf(p)),
        decidedBy: x.decidedBy ? dir.nameOf(x.decidedBy) : null,
        decidedAt: t(x.decidedAt),
        reason: x.reason,
        text: x.text,
        signOffs: x.signOffs.length,
      })),
      ledger: v.ledger.map((e) => ({ seq: String(e.seq), at: t(e.at), kind: e.kind, text: deps.ledgerText(e) })),
    };
  });

  router.get('/api/dashboard/charts', async (ctx) => {
    const viewer = viewerOfCredential(credentialOfCtx(ctx));
    const p = period(dateParam(ctx, 'from'), dateParam(ctx, 'to'), deps.settings.chartDays);
    const to = p.to!;
    const from = p.from!;
    if (to.getTime() - from.getTime() > 367 * 86_400_000) throw new UsageError('图表的时间段最长一年');
    ctx.body = await deps.reports.charts(viewer, { from, to }, deps.clock.now(), deps.settings.ackBucketsMinutes);
  });

  router.get('/api/dashboard/assessment', async (ctx) => {
    const viewer = viewerOfCredential(credentialOfCtx(ctx));
    const month = strParam(ctx, 'month') ?? businessDate(deps.clock.now(), tz).slice(0, 7);
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
      throw new UsageError('参数 month 应为月份，格式 YYYY-MM（例如 2026-11）');
    if (!reportYear(Number(month.slice(0, 4)))) throw new UsageError(`参数 month：${reportYearText(month)}`);
    monthPeriod(month, tz);
    const table = await deps.reports.assessmentTable(viewer, month, deps.clock.now());
    const row = (f: (typeof table.units)[number]['figures']) => {
      const ontime = f.onTime.reduce((n, r) => n + r.onTime, 0);
      const total = f.onTime.reduce((n, r) => n + r.total, 0);
      return {
        incidents: f.incidents.length,
        handled: f.handled.length,
        ackCount: f.ackMinutes.length,
        ackMedianMinutes: f.ack ? Math.round(f.ack.median * 10) / 10 : null,
        ackP90Minutes: f.ack ? Math.round(f.ack.p90 * 10) / 10 : null,
        onTime: ontime,
        dueTotal: total,
        breachesMinor: f.breaches.minor,
        breachesMajor: f.breaches.major,
        reportsLate: f.reports.late,
        reportsMissed: f.reports.missed,
        duty: f.duty ?? null,
      };
    };
    ctx.body = {
      month,
      units: table.units.map((u) => ({ id: u.unitId, name: u.name, ...row(u.figures) })),
      people: table.people.map((p) => ({ id: p.personId, name: p.name, ...row(p.figures) })),
    };
  });

  router.get('/api/outbox', async (ctx) => {
    const c = credentialOfCtx(ctx);
    if (c.kind !== 'admin' || !deps.outboxRows) throw new ForbiddenError('发送队列仅管理员（ADMIN_TOKEN）可查看');
    const which = strParam(ctx, 'state') ?? 'dead';
    if (which !== 'pending' && which !== 'dead')
      throw new UsageError('参数 state 应为 pending（待发送）或 dead（发送失败）');
    const rows = await deps.outboxRows(which, 200);
    ctx.body = {
      state: which,
      rows: rows.map((r) => ({
        id: String(r.id),
        platform: r.platform,
        destination: r.destination,
        key: r.key,
        incidentId: r.incidentId,
        state: r.state,
        attempts: r.attempts,
        lastError: r.lastError,
        createdAt: t(r.createdAt),
        nextAttemptAt: t(r.nextAttemptAt),
        deadAt: t(r.deadAt),
      })),
    };
  });
}
