/**
 * Housekeeping: processed inbound event ids (callback dedupe, wecom.md §5) are kept for
 * `retentionMs` (default 7 days — platforms retry within minutes; DingTalk re-pushes within about a
 * minute) and then pruned, so the table does not grow for ever.
 */
import type { Logger } from 'pino';
import type { Scheduler } from './agenda.js';

/** Agenda job name of the housekeeping pass. */
export const HOUSEKEEPING_JOB = 'housekeeping';

/**
 * Defines and starts the periodic housekeeping job (call after the scheduler started).
 * @param prune removes dedupe records seen before the given instant; returns how many.
 */
export async function startHousekeeping(opts: {
  scheduler: Scheduler;
  logger: Logger;
  prune: (before: Date) => Promise<number>;
  retentionMs?: number;
  everyMs?: number;
  now?: () => Date;
}): Promise<void> {
  const retention = opts.retentionMs ?? 7 * 24 * 3600_000;
  const now = opts.now ?? (() => new Date());
  opts.scheduler.agenda.define(
    HOUSEKEEPING_JOB,
    async () => {
      const removed = await opts.prune(new Date(now().getTime() - retention));
      opts.logger.info({ removed }, 'pruned old dedupe records');
    },
    { lockLifetime: 60_000 },
  );
  await opts.scheduler.agenda.every(opts.everyMs ?? 6 * 3600_000, HOUSEKEEPING_JOB, undefined, { skipImmediate: true });
}
