/**
 * The reply state of one callback received over the AI-bot long connection (wecom.md §1c). While
 * the answer window is open, `reply()` and `updateCard()` only collect; the adapter then sends
 * what was collected as ONE `aibot_respond_msg` (a message) or `aibot_respond_update_msg` (a card
 * click, within 5 s [101031]) echoing the callback's req_id. After the window every reply is "late"
 * and goes out as a proactive `aibot_send_msg` into the same conversation (no webhook key needed).
 */
import type { Logger } from 'pino';
import type { Card, MessageRef, OutboundMessage } from '../../../types.js';

/** What the session needs from the adapter. */
export interface WsReplySessionDeps {
  /** Dedupe id of the callback (msgid), for logs and message refs. */
  eventId: string;
  /** Stream id of the answer. */
  streamId: string;
  logger: Logger;
  /** Sends a late reply proactively into the callback's conversation (throws on failure). */
  deliverLate(m: OutboundMessage): Promise<MessageRef>;
}

/** Collected within the window. */
export interface WsCollected {
  messages: OutboundMessage[];
  cardUpdate?: Card;
}

/** Reply routing for one long-connection callback; see the module comment. */
export class WsReplySession {
  private open = true;
  private messages: OutboundMessage[] = [];
  private cardUpdate?: Card;
  /** True once the handler replied anything (used to decide on the apology). */
  replied = false;
  private readonly flushed: Promise<boolean>;
  private settleFlushed: (ok: boolean) => void = () => undefined;

  constructor(private readonly deps: WsReplySessionDeps) {
    this.flushed = new Promise<boolean>((resolve) => {
      this.settleFlushed = resolve;
    });
  }

  /** Settles `confirmed` of every collected reply: true once WeCom acknowledged the answer frame. First call wins. */
  settle(ok: boolean): void {
    this.settleFlushed(ok);
  }

  /**
   * Collects (window open; the ref's `confirmed` resolves with the answer's acknowledgement) or
   * delivers late. A late delivery that fails throws, so the hub leaves the row to the outbox worker.
   */
  async reply(m: OutboundMessage): Promise<MessageRef | void> {
    this.replied = true;
    if (this.open) {
      this.messages.push(m);
      return {
        platform: 'wecom',
        id: this.deps.streamId,
        platformRef: { via: 'ws_respond', eventId: this.deps.eventId },
        confirmed: this.flushed,
      };
    }
    return this.deps.deliverLate(m);
  }

  /** Records the card update for the answer; after the window it is logged and dropped (WeCom allows 5 s). */
  async updateCard(card: Card): Promise<void> {
    if (this.open) {
      this.cardUpdate = card;
      return;
    }
    this.deps.logger.warn(
      { eventId: this.deps.eventId, cardId: card.id },
      'wecom card update after the 5-s answer window is not possible; dropped',
    );
  }

  /** Closes the window (synchronously) and returns what was collected. */
  close(): WsCollected {
    this.open = false;
    const out: WsCollected = { messages: this.messages, cardUpdate: this.cardUpdate };
    this.messages = [];
    this.cardUpdate = undefined;
    return out;
  }
}
