/**
 * The composition root: config → database → store → services → bot + adapters → commands → jobs
 * → HTTP. `startApp` is what `main.ts`, the drill and the end-to-end tests run; `stop()` tears
 * everything down in reverse order (HTTP, scheduler, adapters, pool, embedded PostgreSQL).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { buildSandboxDirectory } from './app-sandbox.js';
import { SandboxAdapter } from './bot/adapters/sandbox/index.js';
import type { DingTalkAdapter } from './bot/adapters/dingtalk/index.js';
import { createWeComAiBotAdapter, type WeComAiBotAdapter } from './bot/adapters/wecom/index.js';
import type { WeComWsAdapter } from './bot/adapters/wecom/ws/WeComWsAdapter.js';
import { Bot } from './bot/Bot.js';
import { WeComAdapter, WeComApp, WeComAppApi } from './bot/adapters/wecom/app/index.js';
import { OutboxNotifier, type RoutePlatform, routeNotice } from './bot/Notifier.js';
import type { PlatformAdapter, PlatformName, ReplyOutbox } from './bot/types.js';
import { registerCommands } from './commands/index.js';
import { ledgerLine } from './commands/render.js';
import type { OrgConfig } from './config/schema.js';
import { type Settings, WECOM_APP_VARS } from './config/settings.js';
import { ApprovalService } from './domain/approvals/ApprovalService.js';
import { Directory } from './domain/Directory.js';
import { IncidentService } from './domain/IncidentService.js';
import { MilestoneService } from './domain/MilestoneService.js';
import type { RateLimit } from './domain/outbox.js';
import type { ChaseRun, Clock } from './domain/ports.js';
import { createScheduler, type Scheduler } from './jobs/agenda.js';
import { CHASE_JOB, defineChaseJobs } from './jobs/chase-job.js';
import { startHousekeeping } from './jobs/housekeeping.js';
import { type ReportJobs, startReportJobs } from './jobs/rollup-job.js';
import { ReportPoster } from './reports/ReportPoster.js';
import { ReportService } from './reports/ReportService.js';
import { ChineseWorkingCalendar } from './calendar/ChineseWorkingCalendar.js';
import { ChaseService } from './domain/deadlines/ChaseService.js';
import { DeadlinePlanner } from './domain/deadlines/DeadlinePlanner.js';
import { DeliveryService } from './domain/DeliveryService.js';
import { DeliveryWorker } from './delivery/DeliveryWorker.js';
import { createMetrics, type AppMetrics } from './metrics.js';
import { createServer } from './server.js';
import {
  openStore,
  PgAdvisoryLeader,
  PgChaseQueue,
  startDatabase,
  type DatabaseHandle,
  type Store,
} from './store/index.js';

/** Options of `startApp`. `clock` defaults to the system clock. */
export interface AppOptions {
  settings: Settings;
  config: OrgConfig;
  logger: Logger;
  clock?: Clock;
  /** Host to listen on (default 0.0.0.0; tests use 127.0.0.1). */
  host?: string;
}

/** A running bot. */
export interface RunningApp {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  server: http.Server;
  bot: Bot;
  directory: Directory;
  incidents: IncidentService;
  approvals: ApprovalService;
  /** Queues a notice outside any incident change (the outbox delivers it). */
  notifier: OutboxNotifier;
  store: Store;
  /** This instance's delivery worker. */
  delivery: DeliveryWorker;
  metrics: AppMetrics;
  scheduler: Scheduler;
  reports: ReportService;
  poster: ReportPoster;
  reportJobs: ReportJobs;
  sandbox?: SandboxAdapter;
  wecom?: WeComAiBotAdapter;
  /** The WeCom AI bot over its long connection (`WECOM_AIBOT_MODE=ws`). */
  wecomWs?: WeComWsAdapter;
  /** The WeCom self-built app, when configured (issue 12). */
  wecomApp?: WeComApp;
  dingtalk?: DingTalkAdapter;
  /** Stops everything; idempotent; never throws (errors are logged). */
  stop(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

/** A config rate limit (`delivery.rateLimits.<platform>` or its `direct`) in the outbox's terms. */
function toRateLimit(l: {
  perWindow: number;
  windowMs: number;
  mergeMaxBytes: number;
  also?: Array<{ perWindow: number; windowMs: number }>;
}): Omit<RateLimit, 'direct'> {
  return {
    limit: l.perWindow,
    windowMs: l.windowMs,
    mergeMaxBytes: l.mergeMaxBytes,
    ...(l.also?.length ? { also: l.also.map((w) => ({ limit: w.perWindow, windowMs: w.windowMs })) } : {}),
  };
}

/** `p`, or `fallback` when it has not settled within `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Starts the whole bot. On a failure part-way, what was started is stopped again before the
 * error propagates (so no embedded PostgreSQL is left behind).
 * @throws the first start-up error (database, migration, port in use, …).
 */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const { settings, config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.error({ err }, 'shutdown step failed');
      }
    }
  };
  try {
    const database: DatabaseHandle = await startDatabase({
      dataDir: settings.DATA_DIR,
      databaseUrl: settings.DATABASE_URL,
      logger,
    });
    cleanups.push(() => database.stop());
    // In a drill every time people read is simulated time (see TimePresentation).
    const directory = new Directory(config, { timeScale: settings.TIME_SCALE, epoch: clock.now() });
    const wecomWsOn = settings.WECOM_AIBOT_MODE === 'ws';
    const wecomBotOn = wecomWsOn || !!(settings.WECOM_AIBOT_TOKEN && settings.WECOM_AIBOT_ENCODING_AES_KEY);
    // the self-built app: 1:1 pings, escalations and approval cards (issue 12 item 3)
    const wecomAppOn = WECOM_APP_VARS.every((k) => !!settings[k]);
    const wecomOn = wecomBotOn || wecomAppOn;
    const dingtalkOn = !!(settings.DINGTALK_CLIENT_ID && settings.DINGTALK_CLIENT_SECRET);
    // Where notices go: the platforms this deployment runs (every instance runs the same ones).
    // The WeCom AI bot over HTTP cannot send 1:1 (only group posts through webhook robots); over
    // its long connection it can (aibot_send_msg to a userid, wecom.md §1c); with the self-built
    // app 1:1 goes through the app, which also pings the responsible people of a new incident; the
    // DingTalk robot can (oToMessages/batchSend, dingtalk.md §2).
    const platforms: RoutePlatform[] = [
      ...(settings.SANDBOX !== 'off' ? [{ platform: 'sandbox' as const, direct: true }] : []),
      ...(wecomOn ? [{ platform: 'wecom' as const, direct: wecomWsOn || wecomAppOn, ping: wecomAppOn }] : []),
      ...(dingtalkOn ? [{ platform: 'dingtalk' as const, direct: true }] : []),
    ];
    const store = await openStore({
      connectionString: database.connectionString,
      logger,
      router: (n) => routeNotice(n, platforms, directory),
      connectionTimeoutMs: settings.DB_CONNECT_TIMEOUT_MS,
      outageLogIntervalMs: settings.DB_OUTAGE_LOG_INTERVAL_MS,
    });
    cleanups.push(() => store.close());
    const delivery = config.delivery;
    const replyOutbox: ReplyOutbox = {
      withinCommand: (origin, fn) => store.outbox.withinCommand(origin, delivery.replyLeaseMs, fn),
      markSent: (id, ref) => store.outbox.markSent(id, ref),
      release: (id) => store.outbox.release(id),
      cardRefs: async (cardId, platform) =>
        (await store.outbox.cardRefs(cardId, platform)).map((r) => ({ ...r, platform: r.platform as PlatformName })),
      rememberCard: (cardId, ref, conversation) => store.outbox.rememberCard(cardId, ref, conversation),
    };
    const metrics = createMetrics(() => store.outbox.stats());
    const calendar = new ChineseWorkingCalendar(config.calendar);
    const timeScale = settings.TIME_SCALE;
    // a scaled clock (tests, demos) needs the finer poll
    const processEveryMs =
      timeScale < 1 ? Math.min(200, config.scheduler.processEveryMs) : config.scheduler.processEveryMs;
    const scheduler = createScheduler({
      pool: store.pool,
      logger: logger.child({ part: 'scheduler' }),
      processEveryMs,
      maxConcurrency: config.scheduler.maxConcurrency,
      lockLimit: config.scheduler.lockLimit,
      defaultLockLifetimeMs: config.scheduler.defaultLockLifetimeMs,
      absorbError: (err, source) => store.availability.absorb(err, source),
    });

    const bot = new Bot({
      directory,
      logger: logger.child({ part: 'bot' }),
      botName: config.bot.name,
      outbox: replyOutbox,
      onOutcome: (platform, outcome) => metrics.inbound(platform, outcome),
      markHandled: (platform, eventId) => store.dedupe.handled(platform, eventId),
    });
    const adapters: PlatformAdapter[] = [];
    let sandbox: SandboxAdapter | undefined;
    if (settings.SANDBOX !== 'off') {
      sandbox = new SandboxAdapter(buildSandboxDirectory(directory, bot), logger.child({ adapter: 'sandbox' }), {
        now: () => clock.now().getTime(),
      });
      adapters.push(sandbox);
    }
    let wecom: WeComAiBotAdapter | undefined;
    let wecomWs: WeComWsAdapter | undefined;
    // the delivery worker, once built (the long connection wakes it when it becomes usable)
    let wakeWorker: () => void = () => undefined;
    // WeCom messages whose handling a crash cut short are handed over again (README "Guarantees")
    const replay =
      settings.WECOM_REPLAY_AFTER_SECONDS > 0
        ? {
            replay: {
              afterMs: settings.WECOM_REPLAY_AFTER_SECONDS * 1000,
              withinMs: settings.WECOM_REPLAY_WITHIN_MINUTES * 60_000,
            },
          }
        : {};
    if (wecomWsOn) {
      // the platform SDKs load only when their platform is configured (idle RSS, issue 15 target 6)
      const { WeComWsAdapter } = await import('./bot/adapters/wecom/ws/WeComWsAdapter.js');
      wecomWs = new WeComWsAdapter({
        botId: settings.WECOM_AIBOT_BOT_ID!,
        secret: settings.WECOM_AIBOT_SECRET!,
        wsUrl: settings.WECOM_AIBOT_WS_URL,
        heartbeatMs: settings.WECOM_AIBOT_HEARTBEAT_MS,
        watchdogMs: settings.WECOM_AIBOT_WATCHDOG_MS,
        reconnect: { baseMs: settings.WECOM_AIBOT_RECONNECT_BASE_MS, maxMs: settings.WECOM_AIBOT_RECONNECT_MAX_MS },
        passiveReplyMs: settings.WECOM_PASSIVE_REPLY_MS,
        ...replay,
        // one connection per bot (wecom.md §1c): only the holder of this lock connects
        leadership: new PgAdvisoryLeader({
          connectionString: database.connectionString,
          name: `wecom-aibot:${settings.WECOM_AIBOT_BOT_ID}`,
          pollMs: settings.WECOM_AIBOT_LEADER_POLL_MS,
          queryTimeoutMs: settings.DB_CONNECT_TIMEOUT_MS,
          logger: logger.child({ part: 'leader' }),
        }),
        dedupe: store.dedupe,
        logger,
        botName: config.bot.name,
        onReady: () => wakeWorker(),
      });
    } else if (wecomBotOn) {
      wecom = createWeComAiBotAdapter({
        token: settings.WECOM_AIBOT_TOKEN!,
        encodingAESKey: settings.WECOM_AIBOT_ENCODING_AES_KEY!,
        // one attempt per send: the delivery worker retries with backoff (a retry loop here
        // would hold up the chat's queue and the command's reply path)
        webhookRetry: { tries: 1 },
        callbackWindowSeconds: settings.WECOM_CALLBACK_WINDOW_SECONDS,
        passiveReplyMs: settings.WECOM_PASSIVE_REPLY_MS,
        ...replay,
        apiBase: settings.WECOM_API_BASE,
        dedupe: store.dedupe,
        logger,
        botName: config.bot.name,
        webhookKeys: Object.fromEntries(
          config.chats
            .filter((c) => c.wecomChatId && c.wecomWebhookKey)
            .map((c) => [c.wecomChatId!, c.wecomWebhookKey!]),
        ),
      });
    }
    let wecomApp: WeComApp | undefined;
    if (wecomAppOn) {
      wecomApp = new WeComApp({
        api: new WeComAppApi({
          apiBase: settings.WECOM_API_BASE,
          corpId: settings.WECOM_CORP_ID!,
          secret: settings.WECOM_APP_SECRET!,
          earlyRefreshMs: settings.WECOM_APP_TOKEN_EARLY_REFRESH_SECONDS * 1000,
          timeoutMs: settings.WECOM_APP_HTTP_TIMEOUT_MS,
          logger: logger.child({ adapter: 'wecom-app' }),
        }),
        corpId: settings.WECOM_CORP_ID!,
        agentId: settings.WECOM_AGENT_ID!,
        token: settings.WECOM_APP_TOKEN!,
        encodingAESKey: settings.WECOM_APP_ENCODING_AES_KEY!,
        callbackWindowSeconds: settings.WECOM_CALLBACK_WINDOW_SECONDS,
        handlerWaitMs: settings.WECOM_PASSIVE_REPLY_MS,
        dedupe: store.dedupe,
        logger,
        nameOf: (userId) => directory.personByPlatformId('wecom', userId)?.name,
      });
    }
    // one `wecom` adapter: chats through the AI bot (HTTP callbacks or the long connection), 1:1
    // through the app when it is configured
    const wecomBot = wecomWs ?? wecom;
    if (wecomApp) adapters.push(new WeComAdapter(wecomBot, wecomApp));
    else if (wecomBot) adapters.push(wecomBot);
    let dingtalk: DingTalkAdapter | undefined;
    if (dingtalkOn && settings.DINGTALK_CLIENT_ID && settings.DINGTALK_CLIENT_SECRET) {
      const { DingTalkAdapter } = await import('./bot/adapters/dingtalk/index.js');
      dingtalk = new DingTalkAdapter({
        mode: settings.DINGTALK_MODE,
        clientId: settings.DINGTALK_CLIENT_ID,
        clientSecret: settings.DINGTALK_CLIENT_SECRET,
        robotCode: settings.DINGTALK_ROBOT_CODE ?? settings.DINGTALK_CLIENT_ID,
        apiBase: settings.DINGTALK_API_BASE,
        oapiBase: settings.DINGTALK_OAPI_BASE,
        timeoutMs: settings.DINGTALK_HTTP_TIMEOUT_MS,
        callbackWindowMs: settings.DINGTALK_CALLBACK_WINDOW_MS,
        cardTemplateId: settings.DINGTALK_CARD_TEMPLATE_ID,
        cardCallbackRouteKey: settings.DINGTALK_CARD_CALLBACK_ROUTE_KEY,
        streamIdleMs: settings.DINGTALK_STREAM_IDLE_MS,
        dedupe: store.dedupe,
        logger,
        botName: config.bot.name,
        customRobots: Object.fromEntries(
          config.chats
            .filter((c) => c.dingtalkChatId && c.dingtalkRobotWebhook && c.dingtalkRobotSecret)
            .map((c) => [c.dingtalkChatId!, { webhook: c.dingtalkRobotWebhook!, secret: c.dingtalkRobotSecret! }]),
        ),
      });
      adapters.push(dingtalk);
    }
    for (const a of adapters) bot.attach(a);
    const notifier = new OutboxNotifier(store.uow);

    const jobLog = logger.child({ part: 'deadlines' });
    const chase = new ChaseService({ uow: store.uow, directory, clock, timeScale, log: jobLog });
    const chaseJobs = defineChaseJobs({
      scheduler,
      chase,
      clock,
      logger: jobLog,
      source: store.uow.repo,
      claims: new PgChaseQueue<ChaseRun>(store.pool, CHASE_JOB),
      pollMs: processEveryMs,
      settings: config.scheduler.chase,
      onLateness: (ms) => metrics.chaseLateness(ms),
    });
    const planner = new DeadlinePlanner({
      directory,
      calendar,
      timeScale,
      scheduler: chaseJobs,
      log: jobLog,
      catchUp: (repo, incident, at) => chase.catchUp(repo, incident, at),
    });
    const serviceDeps = {
      uow: store.uow,
      directory,
      clock,
      hooks: [planner],
      onAfterCommitError: (err: unknown) => {
        if (!store.availability.absorb(err, 'after-commit')) logger.error({ err }, 'after-commit step failed');
      },
    };
    const approvals = new ApprovalService(serviceDeps);
    const incidents = new IncidentService({
      ...serviceDeps,
      publishGate: (repo, incident) => approvals.publishRecord(repo, incident),
    });
    const milestones = new MilestoneService(serviceDeps);
    const reports = new ReportService({
      store: store.reports,
      directory,
      calendar,
      // 待审批 in the rollup: the incidents with a version awaiting a decision at the rollup's time
      awaitingApproval: (ids, asOf) => approvals.awaitingAt(ids, asOf),
    });
    // a requeue (admin API or /重发) clears the configuration errors shown on /healthz: they come back if still failing
    const requeue = async (which: number | 'all') => {
      const n = await store.outbox.retryDead(which);
      if (n) worker.clearConfigProblems();
      return n;
    };
    const deliveryAdmin = new DeliveryService({
      outbox: {
        deadLetter: (id) => store.outbox.deadLetter(id),
        retryDead: requeue,
        stats: () => store.outbox.stats(),
      },
      repo: store.uow.repo,
      directory,
    });
    registerCommands(bot, { incidents, milestones, approvals, directory, reports, delivery: deliveryAdmin }, () =>
      clock.now(),
    );

    await scheduler.start();
    cleanups.push(() => scheduler.stop());
    await chaseJobs.startReconcile();
    await startHousekeeping({
      scheduler,
      logger: jobLog,
      prune: (before) => store.dedupe.prune(before),
      now: () => clock.now(),
    });
    const poster = new ReportPoster({
      reports,
      store: store.reports,
      notifier,
      directory,
      clock,
      log: logger.child({ part: 'reports' }),
    });
    const reportJobs = await startReportJobs({
      scheduler,
      poster,
      clock,
      logger: logger.child({ part: 'reports' }),
      schedules: {
        timezone: config.timezone,
        rollupTime: config.rollup.time,
        weekly: config.reports.weekly,
        monthly: config.reports.monthly,
        duty: config.duty,
      },
    });
    for (const a of adapters) {
      await a.start();
      cleanups.push(() => a.stop());
    }
    const worker = new DeliveryWorker({
      outbox: store.outbox,
      adapters,
      logger: logger.child({ part: 'delivery' }),
      limits: Object.fromEntries(
        Object.entries(delivery.rateLimits).map(([p, l]) => [
          p,
          { ...toRateLimit(l), ...(l.direct ? { direct: toRateLimit(l.direct) } : {}) },
        ]),
      ),
      retry: {
        baseMs: delivery.retry.baseMs,
        maxMs: delivery.retry.maxMs,
        deadAfterMs: delivery.retry.deadAfterMinutes * 60_000,
      },
      leaseMs: delivery.leaseMs,
      concurrency: delivery.concurrency,
      pollMs: delivery.pollMs,
      metrics: metrics.delivery,
    });
    worker.start();
    wakeWorker = () => worker.wake();
    cleanups.push(() => worker.stop());
    const listener = await store.listenOutbox(() => worker.wake());
    cleanups.push(() => listener.stop());

    const app = createServer({
      adapters,
      logger,
      trustProxy: settings.TRUST_PROXY,
      sandboxPublic: settings.SANDBOX === 'public',
      health: async () => {
        const db = await withTimeout(store.availability.check(), settings.DB_CONNECT_TIMEOUT_MS, false);
        const outage = store.availability.state();
        const reason = scheduler.downReason();
        return {
          db,
          scheduler: scheduler.isUp(),
          details: {
            db: db
              ? { state: 'up' }
              : { state: 'down', since: outage.downSince?.toISOString(), lastError: outage.lastError },
            scheduler: reason ? { state: 'down', reason } : { state: 'up' },
          },
        };
      },
      delivery: () => store.outbox.stats(),
      configProblems: () => worker.configProblems(),
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
      retryDead: requeue,
      adminToken: settings.ADMIN_TOKEN,
      dashboard: {
        logger: logger.child({ part: 'dashboard' }),
        directory,
        incidents,
        approvals,
        reports,
        reportStore: store.reports,
        clock,
        settings: config.dashboard,
        adminToken: settings.ADMIN_TOKEN,
        outboxRows: (which, limit) => store.outbox.list(which, limit),
        ledgerText: (e) => ledgerLine(directory, e, true) ?? e.kind,
      },
    });
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.PORT, opts.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const url =
      settings.PUBLIC_URL ?? `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : 'localhost'}:${port}`;
    let stopping: Promise<void> | undefined;
    return {
      url,
      server,
      bot,
      directory,
      incidents,
      approvals,
      notifier,
      store,
      delivery: worker,
      metrics,
      scheduler,
      reports,
      poster,
      reportJobs,
      sandbox,
      wecom,
      wecomWs,
      wecomApp,
      dingtalk,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
