/**
 * The handler side of the WeCom AI-bot callbacks, shared by the HTTP-callback mode and the long
 * connection: the callback is handed to the bot within its answer window (`ReplyWindow`, in
 * reply-window.ts), marked handled, background work tracked for `drain()`, and messages whose
 * handling a crash cut short are handed over again (the replay sweep).
 */
import type { Logger } from 'pino';
import type { Card, EventDedupe, EventSink, InboundEvent, OutboundMessage } from '../../types.js';
import type { CollectedReplies, ReplyWindow } from './reply-window.js';
import type { ParsedCallback, ParsedCardAction, ParsedMessage } from './to-inbound-event.js';

/** What {@link CallbackHandling} needs from the adapter. */
export interface CallbackHandlingDeps {
  /** Where a handled msgid is recorded (a repeat is then never handed over again). */
  dedupe: EventDedupe;
  logger: Logger;
  /** How long the answer waits for the handler, ms (WeCom allows about 5 s; we answer sooner). */
  passiveReplyMs: number;
  /** The apology a chat user reads when the handler failed before replying. */
  apology: string;
  /** The bot's clock, epoch ms. */
  now(): number;
}

/**
 * The handler side of the callbacks of one adapter: hands each callback to the bot within its
 * answer window, records it handled, and keeps what still runs in the background for `drain()`.
 */
export class CallbackHandling {
  private readonly inflight = new Set<Promise<unknown>>();
  private sweep?: NodeJS.Timeout;
  private sweeping = false;

  constructor(private readonly deps: CallbackHandlingDeps) {}

  /**
   * Starts handing over, now and every `replay.afterMs / 2` ms, the messages whose handling a crash
   * cut short (see `replayUnfinished`). Without `replay` (or a dedupe that cannot) it does nothing.
   */
  startReplay(
    sink: EventSink,
    replay: ReplayOptions | undefined,
    parse: (callback: string) => ParsedCallback,
    windowFor: (parsed: ParsedMessage) => ReplyWindow,
  ): void {
    if (!replay || !this.deps.dedupe.takeOverUnfinished || this.sweep) return;
    const tick = () => {
      if (this.sweeping) return;
      this.sweeping = true;
      void this.track(
        this.replayUnfinished(sink, { olderThanMs: replay.afterMs, withinMs: replay.withinMs }, parse, windowFor)
          .catch((err: unknown) =>
            this.deps.logger.warn({ err: (err as Error).message }, 'wecom replay of unfinished messages failed'),
          )
          .finally(() => {
            this.sweeping = false;
          }),
      );
    };
    this.sweep = setInterval(tick, Math.max(1000, Math.floor(replay.afterMs / 2)));
    this.sweep.unref();
    tick();
  }

  /** Stops the replay sweep (what it is running finishes; `drain()` awaits it). */
  stopReplay(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
  }

  /** Resolves once every background promise (handlers, late replies, handled marks) has settled. */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Keeps a background promise until it settles (for `drain`); returns it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Records that the event was handled (never taken over by a repeat); failures are only logged. */
  markHandled(eventId: string): void {
    const done = this.deps.dedupe.handled?.('wecom', eventId);
    if (done)
      this.track(
        done.catch((err: unknown) =>
          this.deps.logger.debug({ eventId, err: (err as Error).message }, 'wecom event not marked handled'),
        ),
      );
  }

  /**
   * Hands the callback to the bot as a platform-neutral event whose replies go to `window`, waits
   * until the handler is done or `passiveReplyMs` has passed, whichever comes first, and closes the
   * window. Returns what was collected for the one answer; the handler may go on (its later replies
   * are late). A handler that throws is logged, and the user gets the apology if nothing was replied.
   */
  async inWindow(
    sink: EventSink,
    parsed: ParsedMessage | ParsedCardAction,
    window: ReplyWindow,
  ): Promise<CollectedReplies> {
    const handled = this.run(sink, parsed, window, this.deps.now());
    let timer: NodeJS.Timeout | undefined;
    const windowEnd = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.deps.passiveReplyMs);
    });
    await Promise.race([handled, windowEnd]);
    clearTimeout(timer);
    return window.close();
  }

  /**
   * Hands over again the messages whose handling a crash cut short (claimed, answered, never
   * finished: see `EventDedupe.takeOverUnfinished`), oldest first, each with its window already
   * closed (every reply goes the late way) and the time it was first received. Waits for each.
   * @returns how many were handed over
   */
  async replayUnfinished(
    sink: EventSink,
    opts: { olderThanMs: number; withinMs: number },
    parse: (callback: string) => ParsedCallback,
    windowFor: (parsed: ParsedMessage) => ReplyWindow,
  ): Promise<number> {
    const take = this.deps.dedupe.takeOverUnfinished;
    if (!take) return 0;
    const claims = await take.call(this.deps.dedupe, 'wecom', { ...opts, limit: 500 });
    const replays = claims
      .map((c) => ({ eventId: c.eventId, ...(c.replay as Partial<ReplayRecord>) }))
      .sort((a, b) => (a.receivedAt ?? 0) - (b.receivedAt ?? 0));
    let n = 0;
    for (const r of replays) {
      let parsed: ParsedCallback | undefined;
      try {
        parsed = parse(String(r.callback));
      } catch (err) {
        this.deps.logger.warn({ eventId: r.eventId, err: (err as Error).message }, 'wecom stored callback unreadable');
      }
      if (parsed?.kind !== 'message') {
        this.markHandled(r.eventId);
        continue;
      }
      this.deps.logger.warn(
        { eventId: r.eventId, receivedAt: r.receivedAt },
        'wecom message whose handling was cut short handed over again',
      );
      const window = windowFor(parsed);
      window.close();
      await this.run(sink, parsed, window, r.receivedAt ?? this.deps.now());
      n += 1;
    }
    return n;
  }

  /** Runs the handler on the event built from `parsed`; never rejects (failures are logged, apologised). */
  private run(
    sink: EventSink,
    parsed: ParsedMessage | ParsedCardAction,
    window: ReplyWindow,
    at: number,
  ): Promise<void> {
    const { logger } = this.deps;
    const base = {
      platform: 'wecom' as const,
      eventId: parsed.eventId,
      chatId: parsed.chatId,
      userId: parsed.userId,
      at,
      reply: (m: OutboundMessage) => window.reply(m),
    };
    const event: InboundEvent =
      parsed.kind === 'message'
        ? { ...base, type: 'message', text: parsed.text }
        : {
            ...base,
            type: 'card.action',
            cardId: parsed.cardId,
            key: parsed.key,
            updateCard: (c: Card) => window.updateCard(c),
          };
    return this.track(
      (async () => {
        try {
          await sink(event);
        } catch (err) {
          logger.error({ err, eventId: parsed.eventId }, 'wecom event handler failed');
          if (!window.replied) await window.reply({ text: this.deps.apology }).catch(() => undefined);
        } finally {
          this.markHandled(parsed.eventId);
        }
      })(),
    );
  }
}

/**
 * When an unfinished message is handed over again (settings `WECOM_REPLAY_AFTER_SECONDS`,
 * `WECOM_REPLAY_WITHIN_MINUTES`): claimed more than `afterMs` ago (longer than any live handling
 * takes, so a running instance's message is never taken from it) and less than `withinMs` ago
 * (older ones were likely sent again by the user meanwhile; they are only logged).
 */
export interface ReplayOptions {
  afterMs: number;
  withinMs: number;
}

/**
 * What a message's claim keeps for a replay (`EventDedupe.firstSeen`'s `replay`): the decrypted
 * callback JSON exactly as received and when it was received (epoch ms).
 */
export interface ReplayRecord {
  /** The decrypted callback text (JSON; kept as text so long numeric ids keep every digit). */
  callback: string;
  receivedAt: number;
}

/** The replay record of a callback received at `receivedAt` (epoch ms). */
export function replayRecord(callback: string, receivedAt: number): Record<string, unknown> {
  const r: ReplayRecord = { callback, receivedAt };
  return { ...r };
}
