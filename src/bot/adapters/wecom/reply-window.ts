/**
 * The answer window of one WeCom AI-bot callback, shared by the HTTP-callback mode
 * (`WeComAiBotAdapter` + `ReplySession`) and the long connection (`WeComWsAdapter` +
 * `WsReplySession`): WeCom takes one answer per callback, within a few seconds [101031]. While the
 * window is open, the handler's `reply()` and `updateCard()` only collect; the adapter then sends
 * what was collected as that one answer. After the window every reply is "late" and goes the
 * mode's own way (`deliverLate`). What differs between the modes is only the late way and how the
 * answer is sent; the collecting lives here once, the handling within the window in
 * `callback-handling.ts`.
 */
import type { Logger } from 'pino';
import type { Card, MessageRef, OutboundMessage } from '../../types.js';

/** What was collected within the window. */
export interface CollectedReplies {
  messages: OutboundMessage[];
  /** The card update a click answered with (last one wins). */
  cardUpdate?: Card;
}

/** The collecting half of a reply session; subclasses say how a late reply goes out. */
export abstract class ReplyWindow {
  private open = true;
  private messages: OutboundMessage[] = [];
  private cardUpdate?: Card;
  /** True once the handler replied anything (used to decide on the apology). */
  replied = false;
  /** Whether the one answer reached WeCom (see `settle`). */
  private readonly flushed: Promise<boolean>;
  private settleFlushed: (ok: boolean) => void = () => undefined;

  /**
   * @param eventId dedupe id of the callback (msgid), for logs and message refs
   * @param streamId stream id of the answer
   * @param via how a collected reply is marked in its ref (`passive` in HTTP mode, `ws_respond` on the long connection)
   * @param lateCardUpdate the warn line when a card update comes after the window (it cannot be done then)
   */
  protected constructor(
    protected readonly eventId: string,
    protected readonly streamId: string,
    protected readonly logger: Logger,
    private readonly via: 'passive' | 'ws_respond',
    private readonly lateCardUpdate: string,
  ) {
    this.flushed = new Promise<boolean>((resolve) => {
      this.settleFlushed = resolve;
    });
  }

  /**
   * Settles the `confirmed` promise of every collected reply: true once the answer carrying them
   * was out (HTTP: written; long connection: acknowledged by WeCom), false when it was not. First call wins.
   */
  settle(ok: boolean): void {
    this.settleFlushed(ok);
  }

  /** Whether the window is still open. */
  get isOpen(): boolean {
    return this.open;
  }

  /**
   * Collects (window open: the ref's `confirmed` resolves with `settle`, so a crash before the answer
   * is out never counts the reply as sent) or delivers late (`deliverLate`).
   */
  async reply(m: OutboundMessage): Promise<MessageRef | void> {
    this.replied = true;
    if (this.open) {
      this.messages.push(m);
      return {
        platform: 'wecom',
        id: this.streamId,
        platformRef: { via: this.via, eventId: this.eventId },
        confirmed: this.flushed,
      };
    }
    return this.deliverLate(m);
  }

  /** Records the card update for the answer; after the window it is logged and dropped. */
  async updateCard(card: Card): Promise<void> {
    if (this.open) {
      this.cardUpdate = card;
      return;
    }
    this.logger.warn({ eventId: this.eventId, cardId: card.id }, this.lateCardUpdate);
  }

  /** Closes the window (synchronously) and returns what was collected. */
  close(): CollectedReplies {
    this.open = false;
    const out: CollectedReplies = { messages: this.messages, cardUpdate: this.cardUpdate };
    this.messages = [];
    this.cardUpdate = undefined;
    return out;
  }

  /** Sends one reply after the window, the mode's way. */
  abstract deliverLate(m: OutboundMessage): Promise<MessageRef | void>;
}
