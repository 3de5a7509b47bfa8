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
import type { MessageRef, OutboundMessage } from '../../types.js';
import { buildResponseUrlBody, hasMentions, type ResponseUrlBody } from './passive-reply.js';
import { ReplyWindow } from './reply-window.js';

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

/** Reply routing for one HTTP callback; see the module comment and `ReplyWindow`. */
export class ReplySession extends ReplyWindow {
  private responseUrlUsed = false;

  constructor(private readonly deps: ReplySessionDeps) {
    super(
      deps.eventId,
      deps.streamId,
      deps.logger,
      'passive',
      'wecom card update after the passive window is not possible in HTTP-callback mode; dropped',
    );
  }

  /** Late delivery: response_url once, then webhook, else a warn log. Never throws: failures are logged. */
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
