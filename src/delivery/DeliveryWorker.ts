/**
 * The delivery worker (issue 14 item 2), one per instance: claims outbox rows (the store holds
 * them with `FOR UPDATE SKIP LOCKED` and a lease, oldest first and one in flight per
 * (platform, destination)), sends each through its platform adapter, and records the outcome:
 * sent; retry with exponential backoff + jitter when the adapter classed the error retryable
 * (`PlatformError.retryable`, from the platform's error table, e.g. wecom.md §5); dead letter on
 * a non-retryable error or after `retry.deadAfterMs`. A rate-limited answer (`rateLimited`, WeCom
 * 45009) also fills the destination's shared rate window, so its queue waits and is merged.
 * Deliveries run concurrently (a slow chat never holds up another); the loop is woken by
 * `wake()` (NOTIFY after commit, from any instance) and otherwise sleeps until the next row is due.
 *
 * Card updates (issue 14 item 1) are rows too (`kind = 'card_update'`, queued by a command with
 * `OutboxPort.withinCommand`'s `cards`): the worker calls `adapter.updateCard(row.cardRef, card)`
 * with the persisted ref (card_refs), with the same retries and dead letters as a send. The seam
 * for an adapter: throw `CardNotUpdatableError` when the platform cannot update that copy any
 * more (message gone, single-use code spent: WeCom update_template_card's `response_code`); the
 * worker then forgets the old copy and posts the card as a NEW message in the copy's conversation
 * (its ref is remembered for the next update), so an un-updatable card never loops. A row
 * without a ref (the clicked copy, when the click's answer did not carry it) goes the same way.
 */
import type { Logger } from 'pino';
import type { MessageRef, OutboundMessage, PlatformAdapter } from '../bot/types.js';
import type { OutboxPort, OutboxRow, RateLimit } from '../domain/outbox.js';
import { CardNotUpdatableError, CodedError, PlatformError } from '../errors.js';
import { backoffMs, type RetryPolicy } from './backoff.js';

/** Counters and timings the worker reports (prom-client in `src/metrics.ts`). All optional. */
export interface DeliveryMetrics {
  sent?(platform: string, latencyMs: number): void;
  retried?(platform: string): void;
  dead?(platform: string): void;
  rateLimitWait?(platform: string): void;
  merged?(platform: string, count: number): void;
}

/** Worker settings (`delivery` in config/default.yaml; see config/README.md). */
export interface DeliveryWorkerOptions {
  outbox: OutboxPort;
  adapters: PlatformAdapter[];
  logger: Logger;
  /** Rate limit per platform (absent: none), shared across instances through the store. */
  limits: Record<string, RateLimit>;
  retry: RetryPolicy;
  /** Lease of a claimed row, ms: longer than any send takes (a crashed holder's rows return after it). */
  leaseMs: number;
  /** Most deliveries in flight at once (each to a different destination). */
  concurrency: number;
  /** Longest sleep without a wake-up, ms (a safety net: NOTIFY normally wakes the worker). */
  pollMs: number;
  metrics?: DeliveryMetrics;
  random?: () => number;
}

/**
 * A configuration error the platform reported for a destination (WeCom 60020 trusted IP, 93000
 * robot key, 40001 secret, …: `PlatformError.configuration`), as `/healthz` shows it. Kept in
 * this instance until a send to the same destination succeeds.
 */
export interface ConfigProblem {
  platform: string;
  destination: string;
  /** The platform's code (errcode). */
  code?: number | string;
  /** What the platform said, as the adapter worded it (no secrets). */
  reason: string;
  /** First and latest occurrence. */
  since: Date;
  at: Date;
}

export class DeliveryWorker {
  private readonly adapters: Map<string, PlatformAdapter>;
  private readonly problems = new Map<string, ConfigProblem>();
  private readonly inflight = new Set<Promise<void>>();
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private failingSince?: number;

  constructor(private readonly opts: DeliveryWorkerOptions) {
    this.adapters = new Map(opts.adapters.map((a) => [a.platform, a]));
  }

  /** Configuration errors seen by this instance's deliveries, newest first (for `/healthz`). */
  configProblems(): ConfigProblem[] {
    return [...this.problems.values()].sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  /** Forgets the configuration errors (an admin requeued dead letters: they show again if still failing). */
  clearConfigProblems(): void {
    this.problems.clear();
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Wakes the loop: a row may be claimable now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming and waits for the deliveries in flight. Rows not finished keep their lease and come back. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }

  private async run(): Promise<void> {
    const { outbox, logger } = this.opts;
    while (this.running) {
      this.woken = false;
      let claimed: OutboxRow[] = [];
      try {
        const free = this.opts.concurrency - this.inflight.size;
        if (free > 0) {
          const claim = await outbox.claim(free, this.opts.leaseMs, this.opts.limits, this.sendablePlatforms());
          claimed = claim.rows;
          for (const l of claim.limited) {
            this.opts.metrics?.rateLimitWait?.(l.platform);
            if (l.merged) this.opts.metrics?.merged?.(l.platform, l.merged);
          }
        }
        if (this.failingSince !== undefined) logger.info('delivery worker: outbox reachable again');
        this.failingSince = undefined;
      } catch (err) {
        if (this.failingSince === undefined) {
          this.failingSince = Date.now();
          logger.warn({ err: (err as Error).message }, 'delivery worker cannot claim rows; retrying');
        }
      }
      for (const row of claimed) {
        const p = this.deliver(row).finally(() => {
          this.inflight.delete(p);
          this.wake();
        });
        this.inflight.add(p);
      }
      if (claimed.length && this.inflight.size < this.opts.concurrency) continue;
      if (!this.running) break;
      await this.sleep();
    }
  }

  /**
   * The platforms this instance can send on now: all, unless an adapter says it cannot
   * (`PlatformAdapter.canSend`, e.g. the WeCom long connection held by another instance).
   * Undefined = no filter.
   */
  private sendablePlatforms(): string[] | undefined {
    const all = [...this.adapters.values()];
    if (all.every((a) => a.canSend?.() ?? true)) return undefined;
    return all.filter((a) => a.canSend?.() ?? true).map((a) => a.platform);
  }

  /** Sleeps until woken, a delivery ends, or the next row falls due (at most `pollMs`). */
  private async sleep(): Promise<void> {
    if (this.woken) return;
    let wait = this.opts.pollMs;
    // (with a platform filter the next due row may be one this instance leaves alone: poll instead)
    if (this.failingSince === undefined && !this.sendablePlatforms()) {
      const due = await this.opts.outbox.nextDueAt().catch(() => null);
      if (due) wait = Math.max(5, Math.min(wait, due.getTime() - Date.now() + 5));
    }
    if (this.woken) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
  }

  /** Sends one row and records the outcome; never throws. */
  private async deliver(row: OutboxRow): Promise<void> {
    const { outbox, logger, metrics } = this.opts;
    const log = { id: row.id, key: row.key, platform: row.platform, destination: row.destination };
    const adapter = this.adapters.get(row.platform);
    try {
      if (!adapter) throw new PlatformError(`platform ${row.platform} is not enabled in this instance`, 'NO_ADAPTER');
      if (row.kind === 'card_update') {
        await this.updateCard(row, adapter);
        return;
      }
      const ref: MessageRef = await adapter.send(
        { platform: adapter.platform, ...row.conversation },
        row.message as OutboundMessage,
      );
      await outbox.markSent(row.id, ref);
      this.problems.delete(`${row.platform}|${row.destination}`);
      metrics?.sent?.(row.platform, Date.now() - row.createdAt.getTime());
    } catch (err) {
      await this.failed(row, err, log).catch((e) =>
        logger.warn({ ...log, err: (e as Error).message }, 'delivery outcome not recorded; the lease will expire'),
      );
    }
  }

  /** Delivers a card update; an un-updatable copy is posted again as a new message (see the file docstring). */
  private async updateCard(row: OutboxRow, adapter: PlatformAdapter): Promise<void> {
    const { outbox, logger, metrics } = this.opts;
    const card = row.message.card;
    if (!card) throw new PlatformError('card update row without a card', 'NO_CARD', false);
    try {
      if (!row.cardRef) throw new CardNotUpdatableError('the clicked copy was not updated inside its answer');
      await adapter.updateCard(
        { platform: adapter.platform, id: row.cardRef.id, platformRef: row.cardRef.platformRef },
        card,
      );
      await outbox.markSent(row.id, null);
      metrics?.sent?.(row.platform, Date.now() - row.createdAt.getTime());
      return;
    } catch (err) {
      if (!(err instanceof CardNotUpdatableError)) throw err;
      const to = row.conversation;
      if (!to.chatId && !to.userId)
        throw new PlatformError(
          `card not updatable and its conversation unknown: ${err.message}`,
          err.platformCode,
          false,
        );
      logger.info(
        { id: row.id, cardId: card.id, refId: row.cardRef?.id, err: err.message },
        'card not updatable: posting it as a new message',
      );
      if (row.cardRef) await outbox.forgetCardRef(card.id, row.platform, row.cardRef.id);
    }
    const ref = await adapter.send({ platform: adapter.platform, ...row.conversation }, row.message as OutboundMessage);
    await outbox.markSent(row.id, ref);
    metrics?.sent?.(row.platform, Date.now() - row.createdAt.getTime());
  }

  private async failed(row: OutboxRow, err: unknown, log: object): Promise<void> {
    const { outbox, logger, metrics, retry } = this.opts;
    const message = err instanceof Error ? err.message : String(err);
    const retryable = err instanceof PlatformError ? err.retryable : !(err instanceof CodedError && err.status < 500);
    if (err instanceof PlatformError && err.configuration) {
      const key = `${row.platform}|${row.destination}`;
      const now = new Date();
      const since = this.problems.get(key)?.since ?? now;
      this.problems.set(key, {
        platform: row.platform,
        destination: row.destination,
        code: err.platformCode,
        reason: message,
        since,
        at: now,
      });
      logger.error(
        { ...log, code: err.platformCode, err: message },
        'delivery failed: configuration error (fix the settings; not retried)',
      );
    }
    if (!retryable) {
      await outbox.markDead(row.id, message);
      metrics?.dead?.(row.platform);
      logger.warn({ ...log, err: message }, 'delivery failed for good (not retryable): dead letter');
      return;
    }
    const limit = this.opts.limits[row.platform];
    let delay = backoffMs(retry, row.attempts + 1, this.opts.random);
    if (err instanceof PlatformError && err.rateLimited && limit) {
      await outbox.saturate(row.platform, row.destination, this.opts.limits);
      metrics?.rateLimitWait?.(row.platform);
      delay = Math.max(delay, 0);
    }
    if ((await outbox.failingForMs(row.id)) + delay > retry.deadAfterMs) {
      await outbox.markDead(row.id, `retries exhausted: ${message}`);
      metrics?.dead?.(row.platform);
      logger.warn({ ...log, err: message, attempts: row.attempts + 1 }, 'delivery retries exhausted: dead letter');
      return;
    }
    await outbox.markRetry(row.id, message, delay);
    metrics?.retried?.(row.platform);
    logger.info({ ...log, err: message, attempt: row.attempts + 1, delayMs: delay }, 'delivery failed; retrying');
  }
}
