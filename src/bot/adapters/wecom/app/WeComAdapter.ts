/**
 * The one `wecom` platform adapter when the self-built app is configured: group traffic goes to
 * the AI-bot side (`bot`: callbacks, passive replies, webhook / long-connection posts), 1:1
 * messages and app cards to the app (`app`: message/send, update_template_card, its callback).
 * Routing is by destination: `to.userId` without a chat → the app; a chat → the AI bot. Card
 * updates follow where the card was sent (`platformRef.via === 'app'`).
 */
import type Router from '@koa/router';
import { PlatformError } from '../../../../errors.js';
import type { Card, ConversationRef, EventSink, MessageRef, OutboundMessage, PlatformAdapter } from '../../../types.js';
import type { AppMessageRef, WeComApp } from './WeComApp.js';

export class WeComAdapter implements PlatformAdapter {
  readonly platform = 'wecom' as const;

  /**
   * @param bot the AI-bot adapter (absent: an app-only deployment, which cannot post into groups).
   * @param app the self-built app (absent: no 1:1 messages).
   */
  constructor(
    readonly bot: PlatformAdapter | undefined,
    readonly app: WeComApp | undefined,
  ) {}

  init(sink: EventSink): void {
    this.bot?.init(sink);
    this.app?.init(sink);
  }

  routes(router: Router): void {
    this.bot?.routes?.(router);
    this.app?.routes(router);
  }

  async start(): Promise<void> {
    await this.bot?.start();
  }

  /**
   * Whether this instance may deliver WeCom rows now: the AI bot's answer (over the long connection
   * only its holder may; `PlatformAdapter.canSend`). The worker claims rows per platform, so while
   * another instance holds the connection that instance also sends the app's 1:1 rows.
   */
  canSend(): boolean {
    return this.bot?.canSend?.() ?? true;
  }

  async stop(): Promise<void> {
    await this.bot?.stop();
    await this.app?.drain();
  }

  /**
   * 1:1 (`userId` only) through the app, chats through the AI bot.
   * @throws PlatformError (not retryable) when the side needed is not configured.
   */
  async send(to: ConversationRef, m: OutboundMessage): Promise<MessageRef> {
    if (!to.chatId && to.userId) {
      if (!this.app)
        throw new PlatformError('WeCom 1:1 messages need the self-built app (WECOM_CORP_ID …)', 'NO_DIRECT_SEND');
      return this.app.send(to.userId, m);
    }
    if (!this.bot) throw new PlatformError('WeCom group posts need the AI bot (WECOM_AIBOT_*)', 'NO_CHAT_SEND');
    return this.bot.send(to, m);
  }

  /** An app card is updated by the app (once per response_code), anything else by the AI bot. */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    if ((ref.platformRef as AppMessageRef | undefined)?.via === 'app') {
      if (!this.app) throw new PlatformError('WeCom app card but no app configured', 'NO_APP');
      return this.app.updateCard(ref, card);
    }
    await this.bot?.updateCard(ref, card);
  }
}
