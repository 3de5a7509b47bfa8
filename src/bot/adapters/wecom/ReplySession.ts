/**
 * The reply state of one AI-bot callback. While the passive window is open, `reply()` and
 * `updateCard()` only collect; `close()` hands what was collected to the adapter, which merges it
 * into the one encrypted passive answer [101031]. After that every reply is "late":
 *   1. the first goes to the callback's `response_url` (single use, valid 1 hour [101138]); a card
 *      with mentions goes there as the card while its mention text follows through the webhook
 *      robot, or as one markdown message when the chat has none (see `buildResponseUrlBody`);
 *   2. further ones go through the chat's webhook robot, if a key is configured [91770];
 *   3. otherwise they are logged as undeliverable (warn).
 * A card update after the window cannot be done in HTTP-callback mode: it is logged and dropped.
 */
import type { Logger } from 'pino';
import type { Card, MessageRef, OutboundMessage } from '../../types.js';
import { buildResponseUrlBody, hasMentions, type ResponseUrlBody } from './passive-reply.js';

/** What the session needs from the adapter. */
export interface ReplySessionDeps {
  /** Dedupe id of the callback (for logs and message refs). */
  eventId: string;
  /** Stream id of the passive answer. */
  streamId: string;
  chatId?: string;
  responseUrl?: string;
  logger: Logger;
  /** POSTs a body to a response_url; throws on transport failure or a non-zero errcode. */
  postResponseUrl(url: string, body: ResponseUrlBody): Promise<void>;
  /** Whether the chat has a webhook robot key. */
  hasWebhook(chatId: string): boolean;
  /** Posts into the chat through its webhook robot (see WeComAiBotAdapter.send). */
  sendWebhook(chatId: string, m: OutboundMessage): Promise<MessageRef>;
}

/** Collected within the window. */
export interface CollectedReplies {
  messages: OutboundMessage[];
  cardUpdate?: Card;
}

/** Reply routing for one callback; see the module comment. */
export class ReplySession {
  private open = true;
  private messages: OutboundMessage[] = [];
  private cardUpdate?: Card;
  private responseUrlUsed = false;
  /** True once the handler replied anything (used to decide on the apology). */
  replied = false;
  /** Whether the passive answer reached WeCom's side of the connection (see `settle`). */
  private readonly flushed: Promise<boolean>;
  private settleFlushed: (ok: boolean) => void = () => undefined;

  constructor(private readonly deps: ReplySessionDeps) {
    this.flushed = new Promise<boolean>((resolve) => {
      this.settleFlushed = resolve;
    });
  }

  /**
   * Settles the `confirmed` promise of every passively collected reply: true when the HTTP
   * answer carrying them was written out, false when the connection closed first. First call wins.
   */
  settle(ok: boolean): void {
    this.settleFlushed(ok);
  }

  /** Whether the passive window is still open. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Collects (window open) or delivers late. Never throws: delivery failures are logged. */
  async reply(m: OutboundMessage): Promise<MessageRef | void> {
    this.replied = true;
    if (this.open) {
      this.messages.push(m);
      return {
        platform: 'wecom',
        id: this.deps.streamId,
        platformRef: { via: 'passive', eventId: this.deps.eventId },
        // with WeCom only once the HTTP answer is out (a crash before it must not count it as sent)
        confirmed: this.flushed,
      };
    }
    return this.deliverLate(m);
  }

  /** Records the card update for the passive answer; after the window it is logged and dropped. */
  async updateCard(card: Card): Promise<void> {
    if (this.open) {
      this.cardUpdate = card;
      return;
    }
    this.deps.logger.warn(
      { eventId: this.deps.eventId, cardId: card.id },
      'wecom card update after the passive window is not possible in HTTP-callback mode; dropped',
    );
  }

  /** Closes the window (synchronously) and returns what was collected. */
  close(): CollectedReplies {
    this.open = false;
    const out: CollectedReplies = { messages: this.messages, cardUpdate: this.cardUpdate };
    this.messages = [];
    this.cardUpdate = undefined;
    return out;
  }

  /** Late delivery: response_url once, then webhook, else a warn log. */
  async deliverLate(m: OutboundMessage): Promise<MessageRef | void> {
    const { logger, eventId, chatId, responseUrl } = this.deps;
    if (!m.card && !m.text.trim() && !m.mentions?.length) return;
    if (responseUrl && !this.responseUrlUsed) {
      this.responseUrlUsed = true;
      // A card cannot mention: with a webhook robot the card keeps its buttons on the url and the
      // mention text goes through the robot right after; without one the url gets markdown.
      const split = !!m.card && hasMentions(m) && !!chatId && this.deps.hasWebhook(chatId);
      let posted = false;
      try {
        await this.deps.postResponseUrl(responseUrl, buildResponseUrlBody(m, split));
        posted = true;
        if (split) await this.deps.sendWebhook(chatId!, { text: m.text, mentions: m.mentions });
        return { platform: 'wecom', id: `${eventId}:response_url`, platformRef: { via: 'response_url', eventId } };
      } catch (err) {
        if (posted) {
          logger.warn({ eventId, chatId, err: (err as Error).message }, 'wecom mention message via webhook failed');
          return;
        }
        logger.warn(
          { eventId, err: (err as Error).message },
          'wecom response_url reply failed; trying the webhook robot',
        );
      }
    }
    if (chatId && this.deps.hasWebhook(chatId)) {
      try {
        return await this.deps.sendWebhook(chatId, m);
      } catch (err) {
        logger.warn(
          { eventId, chatId, err: (err as Error).message },
          'wecom late reply via webhook failed; undeliverable',
        );
        return;
      }
    }
    logger.warn(
      { eventId, chatId },
      'wecom late reply undeliverable: response_url used or unavailable and no webhook robot for this chat',
    );
  }
}
