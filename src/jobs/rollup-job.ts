/**
 * The report jobs (issue 9) on Agenda, with cron schedules in the business time zone (explicit
 * `timezone`, never the machine's — it runs UTC): the daily rollup at `rollup.time` (default 17:30
 * Asia/Shanghai = 09:30 UTC), the weekly report (`reports.weekly`, default Monday 09:00), the
 * monthly report (`reports.monthly`, default the 1st 09:00), and the duty check at the shift's
 * start plus `duty.graceMinutes` (the reminder) and again `duty.escalateAfterMinutes` later (the escalation). A cut job plans one `report-post` job per chat at its spread slot
 * (unique per idempotency key); the post job claims and delivers (`ReportPoster.post`).
 * Start-up catches up: a report due earlier today and never claimed is posted now (marked 补发);
 * claimed posts never marked sent are re-sent.
 */
import type { Job } from 'agenda';
import type { Logger } from 'pino';
import type { Clock } from '../domain/ports.js';
import { parseHhmm } from '../domain/milestones/index.js';
import { type PostSpec, postKey, type ReportPoster } from '../reports/ReportPoster.js';
import type { Scheduler } from './agenda.js';

/** Agenda job names. */
export const REPORT_JOBS = {
  rollup: 'report-cut-rollup',
  weekly: 'report-cut-weekly',
  monthly: 'report-cut-monthly',
  duty: 'duty-check',
  dutyEscalate: 'duty-escalate',
  post: 'report-post',
} as const;

/** A post spec as Agenda stores it (JSON: instants as ISO strings). */
interface PostJobData {
  key: string;
  kind: PostSpec['kind'];
  chatId: string;
  periodId: string;
  from: string;
  to: string;
  dueAt: string;
}

/** Schedules of the report jobs, from config. */
export interface ReportSchedules {
  timezone: string;
  rollupTime: string;
  weekly: { weekday: number; time: string };
  monthly: { day: number; time: string };
  duty: { shiftStart: string; graceMinutes: number; escalateAfterMinutes?: number; required: boolean };
}

/** `m h` of a cron line from minutes after midnight. */
function cronTime(minutes: number): string {
  const m = ((Math.round(minutes) % 1440) + 1440) % 1440;
  return `${m % 60} ${Math.floor(m / 60)}`;
}

/** The cron lines of the schedules (business time; Agenda applies `timezone`). */
export function cronLines(
  s: ReportSchedules,
): Record<'rollup' | 'weekly' | 'monthly' | 'duty' | 'dutyEscalate', string> {
  return {
    rollup: `${cronTime(parseHhmm(s.rollupTime))} * * *`,
    weekly: `${cronTime(parseHhmm(s.weekly.time))} * * ${s.weekly.weekday % 7}`,
    monthly: `${cronTime(parseHhmm(s.monthly.time))} ${s.monthly.day} * *`,
    duty: `${cronTime(parseHhmm(s.duty.shiftStart) + s.duty.graceMinutes)} * * *`,
    // the ladder's second step (ReportPoster.chaseDuty): the reminder's time + escalateAfterMinutes
    dutyEscalate: `${cronTime(parseHhmm(s.duty.shiftStart) + s.duty.graceMinutes + (s.duty.escalateAfterMinutes ?? 0))} * * *`,
  };
}

/** The report jobs, started. */
export interface ReportJobs {
  /** Plans the posts of the latest occurrence of `kind` (what the cut job and the catch-up do). */
  plan(kind: PostSpec['kind']): Promise<PostSpec[]>;
}

/**
 * Defines the report jobs, registers their cron schedules and runs the start-up catch-up (call
 * after the scheduler started). Times of the domain clock are mapped to real time like the chase
 * jobs (`real = Date.now() + (at − clock.now())`).
 */
export async function startReportJobs(opts: {
  scheduler: Scheduler;
  poster: ReportPoster;
  clock: Clock;
  logger: Logger;
  schedules: ReportSchedules;
}): Promise<ReportJobs> {
  const { agenda } = opts.scheduler;
  const { poster, clock, logger } = opts;
  const realTime = (at: Date) => new Date(Date.now() + (at.getTime() - clock.now().getTime()));

  const plan = async (kind: PostSpec['kind']): Promise<PostSpec[]> => {
    const specs: PostSpec[] = [];
    for (const s of poster.due(kind, clock.now())) if (!(await poster.claimed(s))) specs.push(s);
    for (const s of specs) {
      const data: PostJobData = {
        key: postKey(s.kind, s.chatId, s.period.id),
        kind: s.kind,
        chatId: s.chatId,
        periodId: s.period.id,
        from: s.period.from.toISOString(),
        to: s.period.to.toISOString(),
        dueAt: s.dueAt.toISOString(),
      };
      await agenda
        .create(REPORT_JOBS.post, data)
        .unique({ 'data.key': data.key }, { insertOnly: true })
        .schedule(realTime(s.dueAt))
        .save();
    }
    if (specs.length) logger.info({ kind, posts: specs.length }, 'report posts planned');
    return specs;
  };

  agenda.define<PostJobData>(
    REPORT_JOBS.post,
    async (job: Job<PostJobData>) => {
      const d = job.attrs.data;
      await poster.post({
        kind: d.kind,
        chatId: d.chatId,
        period: { id: d.periodId, from: new Date(d.from), to: new Date(d.to) },
        dueAt: new Date(d.dueAt),
      });
    },
    { removeOnComplete: true, concurrency: 2, lockLifetime: 60_000 },
  );
  for (const kind of ['rollup', 'weekly', 'monthly'] as const)
    agenda.define(
      REPORT_JOBS[kind],
      async () => {
        await plan(kind);
      },
      { lockLifetime: 60_000 },
    );
  for (const name of [REPORT_JOBS.duty, REPORT_JOBS.dutyEscalate])
    agenda.define(
      name,
      async () => {
        const chased = await poster.chaseDuty(clock.now());
        if (chased.length) logger.info({ chats: chased }, 'missing duty reports chased');
      },
      { lockLifetime: 60_000 },
    );

  const cron = cronLines(opts.schedules);
  const tz = { timezone: opts.schedules.timezone, skipImmediate: true };
  for (const kind of ['rollup', 'weekly', 'monthly'] as const)
    await agenda.every(cron[kind], REPORT_JOBS[kind], undefined, tz);
  if (opts.schedules.duty.required) await agenda.every(cron.duty, REPORT_JOBS.duty, undefined, tz);
  if (opts.schedules.duty.required && (opts.schedules.duty.escalateAfterMinutes ?? 0) > 0)
    await agenda.every(cron.dutyEscalate, REPORT_JOBS.dutyEscalate, undefined, tz);

  // Start-up catch-up: what came due while the bot was down goes out now, once.
  await poster.resendUnsent();
  for (const kind of ['rollup', 'weekly', 'monthly'] as const) await plan(kind);
  if (opts.schedules.duty.required) await poster.chaseDuty(clock.now());
  return { plan };
}
