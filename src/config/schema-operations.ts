/**
 * The config's operational sections: outbound delivery (retries, leases, rate limits), the job
 * scheduler, and the office's web view. Part of the organisation config (`schema.ts` assembles
 * and re-exports it); every number is a default, overridable in the YAML.
 */
import { z } from 'zod';
import { id } from './schema-common.js';

const WindowSchema = z.strictObject({
  perWindow: z.number().int().positive(),
  windowMs: z.number().int().positive(),
});

const RateLimitFields = {
  /** Messages per window and destination (WeCom / DingTalk group robots: 20 a minute [91770]). */
  perWindow: z.number().int().positive(),
  /** Window length, ms (sliding windows, shared by all instances). */
  windowMs: z.number().int().positive().default(60_000),
  /** Largest merged message, UTF-8 bytes (WeCom markdown 4096 [91770]). */
  mergeMaxBytes: z.number().int().positive().default(4000),
  /** More windows over the same sends (WeCom app: 1000 an hour per member, wecom.md §8.4). */
  also: z.array(WindowSchema).optional(),
};

const RateLimitSchema = z.strictObject({
  ...RateLimitFields,
  /** The limit of 1:1 destinations where it differs (WeCom app message/send: 30/min, 1000/h per member). */
  direct: z.strictObject(RateLimitFields).optional(),
});

export const DELIVERY_DEFAULTS = {
  retry: { baseMs: 1000, maxMs: 300_000, deadAfterMinutes: 1440 },
  leaseMs: 60_000,
  replyLeaseMs: 30_000,
  concurrency: 8,
  pollMs: 2000,
  rateLimits: {
    wecom: {
      perWindow: 20,
      windowMs: 60_000,
      mergeMaxBytes: 4000,
      direct: {
        perWindow: 30,
        windowMs: 60_000,
        mergeMaxBytes: 2000,
        also: [{ perWindow: 1000, windowMs: 3_600_000 }],
      },
    },
    dingtalk: { perWindow: 20, windowMs: 60_000, mergeMaxBytes: 4000 },
  },
};

/** Outbound delivery (issue 14): retries, leases, rate limits per platform. */
export const DeliverySchema = z.strictObject({
  retry: z
    .strictObject({
      /** First retry delay, ms (doubled per attempt, with jitter). */
      baseMs: z.number().int().positive().default(DELIVERY_DEFAULTS.retry.baseMs),
      /** Longest single retry delay, ms. */
      maxMs: z.number().int().positive().default(DELIVERY_DEFAULTS.retry.maxMs),
      /** A message still failing after this long is a dead letter (default 24 h). */
      deadAfterMinutes: z.number().positive().default(DELIVERY_DEFAULTS.retry.deadAfterMinutes),
    })
    .default(DELIVERY_DEFAULTS.retry),
  /** Lease of a row being sent, ms (a crashed instance's rows come back after it). */
  leaseMs: z.number().int().positive().default(DELIVERY_DEFAULTS.leaseMs),
  /** Lease of a command's reply rows while the command's own reply path carries them, ms. */
  replyLeaseMs: z.number().int().positive().default(DELIVERY_DEFAULTS.replyLeaseMs),
  /** Deliveries in flight per instance (each to a different destination). */
  concurrency: z.number().int().positive().default(DELIVERY_DEFAULTS.concurrency),
  /** Longest sleep of the worker without a NOTIFY, ms. */
  pollMs: z.number().int().positive().default(DELIVERY_DEFAULTS.pollMs),
  /** Per platform (`wecom`, `dingtalk`, `sandbox`); a platform without an entry is not limited. */
  rateLimits: z.record(z.string(), RateLimitSchema).default(DELIVERY_DEFAULTS.rateLimits),
});

/**
 * Defaults of the `scheduler` section (Agenda 6, src/jobs/agenda.ts and src/jobs/chase-job.ts).
 * Measured by bench (i) (bench/RESULTS.md section 3). Chase runs are not Agenda's jobs: the chase
 * sweep claims their rows in batches (src/jobs/chase-sweep.ts); `chase.batchSize` rows per claim.
 */
export const SCHEDULER_DEFAULTS = {
  processEveryMs: 1000,
  maxConcurrency: 20,
  lockLimit: 0,
  defaultLockLifetimeMs: 60_000,
  chase: { concurrency: 5, batchSize: 100, lockLifetimeMs: 20_000, retryMs: 5000 },
};

/** The job scheduler's settings (Agenda 6 on PostgreSQL). */
export const SchedulerSchema = z.strictObject({
  /**
   * Agenda's polling interval, ms (NOTIFY wakes it earlier for a newly saved job). Under
   * `TIME_SCALE` < 1 the app polls at least every 200 ms.
   */
  processEveryMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.processEveryMs),
  /** Jobs of all kinds running at once in one instance. */
  maxConcurrency: z.number().int().positive().default(SCHEDULER_DEFAULTS.maxConcurrency),
  /** Jobs of all kinds locked (queued or running) in one instance at once; 0 = no limit. */
  lockLimit: z.number().int().min(0).default(SCHEDULER_DEFAULTS.lockLimit),
  /** Lock lifetime of a job kind that sets none, ms. */
  defaultLockLifetimeMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.defaultLockLifetimeMs),
  /** The chase sweep over the `milestone-chase` rows (one run per milestone's due steps). */
  chase: z
    .strictObject({
      /** Chase runs at once in one instance. */
      concurrency: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.concurrency),
      /** Due rows claimed per round trip (one batch; the next is claimed when it is done). */
      batchSize: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.batchSize),
      /**
       * How long a claimed row is held before another instance may claim it, ms (after a crash, the
       * delay before its runs are taken over). Keep it well above a batch's duration.
       */
      lockLifetimeMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.lockLifetimeMs),
      /** A run that threw (e.g. the database went away) runs again this much later, ms. */
      retryMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.retryMs),
    })
    .default(SCHEDULER_DEFAULTS.chase),
});

export const DASHBOARD_DEFAULTS = {
  viewers: [],
  listLimit: 500,
  chartDays: 30,
  ackBucketsMinutes: [10, 30, 60, 120, 240],
  exportBatchSize: 500,
};

/**
 * A unit's read-only web viewer (issue 11 item 1): the dashboard, the API and the export with
 * the visibility of `{kind: 'unit'}` (the unit and its sub-units, domain/visibility.ts). The
 * token itself is never stored: `tokenSha256` is the hex SHA-256 of the bearer token.
 */
export const ViewerSchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  unit: z.string(),
  tokenSha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'tokenSha256 must be 64 hex digits (sha256 of the token)')
    .transform((s) => s.toLowerCase()),
});

/** The office's web view (issue 11): `/dashboard`, `/api/incidents`, the 台账 export. */
export const DashboardSchema = z.strictObject({
  viewers: z.array(ViewerSchema).default(DASHBOARD_DEFAULTS.viewers),
  /** Most incidents one list answer holds (newest first). */
  listLimit: z.number().int().positive().default(DASHBOARD_DEFAULTS.listLimit),
  /** Days the charts cover when no period is asked for (ending today, business time). */
  chartDays: z.number().int().positive().max(366).default(DASHBOARD_DEFAULTS.chartDays),
  /** Upper bounds, minutes, of the time-to-acknowledge histogram's buckets (one more bucket above the last). */
  ackBucketsMinutes: z.array(z.number().positive()).min(1).default(DASHBOARD_DEFAULTS.ackBucketsMinutes),
  /** Incidents read per database round trip while an export streams. */
  exportBatchSize: z.number().int().positive().max(10_000).default(DASHBOARD_DEFAULTS.exportBatchSize),
});
