/**
 * The local sandbox chat: a simulated group chat platform (`platform: 'sandbox'`) that a newcomer
 * uses in a browser at `/sandbox` without a WeCom/DingTalk account, and that tests and the drill
 * drive. Its chat ids are the config chat ids and its user ids the config person ids.
 *
 * Messages live in memory (bounded per conversation): a restart clears the sandbox transcript, while
 * the ledger in PostgreSQL keeps everything. `main.ts` does not create it when `SANDBOX=off`.
 *
 * Flow: `POST /api/sandbox/messages` stores the person's message, answers 202 at once, then hands an
 * `InboundMessageEvent` to the sink; `reply()` appends a bot message to the same conversation.
 * A card click hands an `InboundCardActionEvent` whose `updateCard` replaces the card in place.
 * Sink failures are logged (never crash) and shown in the chat as a short Chinese notice.
 */
import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import {
  BadRequestError,
  CardNotUpdatableError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
} from '../../../errors.js';
import type {
  Card,
  ConversationRef,
  EventSink,
  InboundCardActionEvent,
  InboundEvent,
  InboundMessageEvent,
  MessageRef,
  OutboundMessage,
  PlatformAdapter,
} from '../../types.js';
import {
  DIRECT_PREFIX,
  DirectoryIndex,
  directConversationId,
  type Conversation,
  type SandboxChat,
  type SandboxDirectory,
  type SandboxMember,
} from './directory.js';
import { mountSandboxApi, type SandboxApiController, type SandboxMeta } from './http-api.js';
import { findTypedMentions, renderOutboundText } from './render-mentions.js';
import { SandboxTranscript } from './SandboxTranscript.js';
import { BOT_SENDER, type SandboxLogger, type SandboxMessage } from './sandbox-types.js';
import { EventStreams } from './sse.js';
import { DEFAULT_ASSETS_DIR, mountSandboxPage } from './static-assets.js';

/** Tuning knobs; every one has a default. */
export interface SandboxAdapterOptions {
  /** Messages kept per conversation, oldest dropped first. Default 500. */
  maxMessagesPerChat?: number;
  /** Longest text a person may send, in characters (code points). Default 4000. */
  maxTextLength?: number;
  /** Largest request body accepted, in bytes (413 beyond). Default 65536. */
  bodyLimitBytes?: number;
  /** Interval of SSE keep-alive comments, in ms. Default 15000. */
  heartbeatMs?: number;
  /**
   * Most SSE streams open at once (all conversations together); one more is refused with 429, so
   * held-open streams cannot exhaust the process's file descriptors. Default 100.
   */
  maxStreams?: number;
  /** Directory holding index.html, app.js, style.css. Default `src/web/sandbox/`. */
  assetsDir?: string;
  /** Clock for message times (ms since epoch). Default `Date.now`. */
  now?: () => number;
}

const DEFAULT_HINTS = ['/帮助', '/上报 '];
const SINK_FAILED_TEXT = '抱歉，处理这条消息时出错了，请稍后再试。';

/** The sandbox platform adapter; see the file comment. */
export class SandboxAdapter implements PlatformAdapter, SandboxApiController {
  readonly platform = 'sandbox' as const;
  private readonly index: DirectoryIndex;
  private readonly transcript: SandboxTranscript;
  private readonly streams = new EventStreams();
  private readonly pending = new Set<Promise<void>>();
  private readonly maxTextLength: number;
  private sink?: EventSink;

  /**
   * @param directory chats, members and people (built by main.ts from config)
   * @param logger a pino-compatible logger
   * @param options limits and test knobs (see `SandboxAdapterOptions`)
   * @throws RangeError when `maxMessagesPerChat` is not a positive integer
   */
  constructor(
    private readonly directory: SandboxDirectory,
    private readonly logger: SandboxLogger,
    private readonly options: SandboxAdapterOptions = {},
  ) {
    this.index = new DirectoryIndex(directory);
    this.transcript = new SandboxTranscript(options.maxMessagesPerChat ?? 500, options.now ?? Date.now);
    this.maxTextLength = options.maxTextLength ?? 4000;
  }

  /** Registers the sink (the Bot hub) that receives every inbound event. */
  init(sink: EventSink): void {
    this.sink = sink;
  }

  /** Mounts the JSON API (`/api/sandbox/...`) and the page (`/sandbox`, its app.js and style.css). */
  routes(router: Router): void {
    mountSandboxApi(router, this, this.logger, this.options.bodyLimitBytes ?? 65536);
    mountSandboxPage(router, this.options.assetsDir ?? DEFAULT_ASSETS_DIR, this.logger);
  }

  /** Nothing to connect: the sandbox lives in this process. */
  async start(): Promise<void> {
    /* no transport to open */
  }

  /** Ends open event streams and waits for events still being processed. */
  async stop(): Promise<void> {
    this.streams.closeAll();
    await this.idle();
  }

  /**
   * Posts a bot message into a group chat (`to.chatId`) or a person's 1:1 "私信" conversation
   * (`to.userId`, used when `chatId` is absent). Mentions are rendered as `@姓名`.
   * @throws BadRequestError for a non-sandbox ref or one with neither id; NotFoundError for an unknown chat or person.
   */
  async send(to: ConversationRef, m: OutboundMessage): Promise<MessageRef> {
    if (to.platform !== 'sandbox') throw new BadRequestError(`沙盒不能发送到 ${to.platform} 会话`);
    const id = to.chatId ?? (to.userId !== undefined ? directConversationId(to.userId) : undefined);
    if (id === undefined) throw new BadRequestError('会话需要 chatId 或 userId');
    return this.appendBot(this.index.conversation(id).id, m);
  }

  /**
   * Replaces the card of a message sent earlier, in place (same id; SSE pushes an `update`).
   * @throws CardNotUpdatableError when the message is unknown or dropped from the bounded history
   *   (the delivery worker then posts the card as a new message).
   */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    try {
      this.transcript.replaceCard(ref.id, card);
    } catch (err) {
      if (err instanceof NotFoundError) throw new CardNotUpdatableError(err.message);
      throw err;
    }
  }

  // ---- API controller (also usable in process by tests and the drill) ----

  /** Page metadata: business time zone, bot name, command hints, people for 1:1 conversations. */
  meta(): SandboxMeta {
    return {
      timezone: this.directory.timezone,
      botName: this.directory.botName,
      commandHints: this.directory.commandHints ?? DEFAULT_HINTS,
      people: this.index.listPeople().map((p) => ({
        id: p.id,
        name: p.name,
        ...(p.title ? { title: p.title } : {}),
        directChatId: directConversationId(p.id),
      })),
      maxTextLength: this.maxTextLength,
    };
  }

  /** The directory's chats, in order. */
  chats(): SandboxChat[] {
    return this.index.listChats();
  }

  /**
   * Copies of a conversation's messages, oldest first. `conversationId` is a chat id or `@<userId>`.
   * @throws NotFoundError for an unknown conversation.
   */
  messages(conversationId: string): SandboxMessage[] {
    return this.transcript.list(this.index.conversation(conversationId).id);
  }

  /**
   * Stores `text` as `userId`'s message in the conversation and hands an `InboundMessageEvent` to the
   * sink asynchronously. The event text is the trimmed text as typed, a leading `@<botName>` included:
   * the Bot hub uses it to tell messages addressed to the bot from chatter. Returns the message id.
   * @throws NotFoundError (404) unknown conversation; BadRequestError (400) unknown person, blank or
   *         too long text; ForbiddenError (403) when the person is not in that chat.
   */
  postMessage(conversationId: string, userId: string, text: string): string {
    const conv = this.index.conversation(conversationId);
    const person = this.speaker(conv, userId);
    const trimmed = text.trim();
    if (trimmed.length === 0) throw new BadRequestError('消息内容不能为空');
    if ([...trimmed].length > this.maxTextLength)
      throw new BadRequestError(`消息过长：最多 ${this.maxTextLength} 个字`);
    const stored = this.transcript.append(conv.id, {
      from: person.id,
      text: trimmed,
      mentions: findTypedMentions(trimmed, this.index.listPeople()),
    });
    const event: InboundMessageEvent = {
      type: 'message',
      platform: 'sandbox',
      eventId: `sandbox-msg-${stored.id}`,
      ...(conv.kind === 'chat' ? { chatId: conv.id } : {}),
      userId: person.id,
      userName: person.name,
      at: Date.parse(stored.at),
      text: trimmed,
      reply: (m) => this.appendBot(conv.id, m),
    };
    this.handOver(event, conv.id);
    return stored.id;
  }

  /**
   * Hands a click on button `key` of card `cardId` (message `messageId`, else the latest copy the person can see) to the sink as an
   * `InboundCardActionEvent`; its `updateCard` replaces that message's card in place. Returns the event id.
   * @throws NotFoundError (404) unknown card; BadRequestError (400) unknown person or a key that is
   *         not one of the card's buttons; ForbiddenError (403) when the person is not in that chat.
   */
  clickCard(cardId: string, userId: string, key: string, messageId?: string): string {
    // a card sent to several conversations (an approval card: the group and each approver 1:1) is
    // clicked on the copy the person sees: `messageId` names it; without it, the latest copy in a
    // conversation this person may speak in (else the latest, which then refuses with the reason)
    const found = messageId
      ? this.transcript.findMessage(messageId)
      : (this.transcript
          .findCardCopies(cardId)
          .find((c) => this.index.canSpeak(this.index.conversation(c.conversationId), userId)) ??
        this.transcript.findCard(cardId));
    if (!found?.message.card || found.message.card.id !== cardId)
      throw new NotFoundError(`沙盒中没有这张卡片：${cardId}`);
    const { conversationId, message } = found;
    const card = message.card!;
    const person = this.speaker(this.index.conversation(conversationId), userId);
    if (!card.buttons.some((b) => b.key === key)) throw new BadRequestError(`卡片「${card.title}」上没有按钮 ${key}`);
    const event: InboundCardActionEvent = {
      type: 'card.action',
      platform: 'sandbox',
      eventId: `sandbox-card-${randomUUID()}`,
      ...(conversationId.startsWith(DIRECT_PREFIX) ? {} : { chatId: conversationId }),
      userId: person.id,
      userName: person.name,
      at: (this.options.now ?? Date.now)(),
      cardId,
      key,
      reply: (m) => this.appendBot(conversationId, m),
      updateCard: async (next) => {
        this.transcript.replaceCard(message.id, next);
      },
      clickedRefId: message.id,
    };
    this.handOver(event, conversationId);
    return event.eventId;
  }

  /**
   * Streams a conversation's changes as Server-Sent Events; a HEAD request gets the headers only.
   * @throws NotFoundError for an unknown conversation; CodedError 429 when `maxStreams` are open.
   */
  openStream(ctx: Context, conversationId: string): void {
    const conv = this.index.conversation(conversationId);
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      return;
    }
    const max = this.options.maxStreams ?? 100;
    if (this.streams.size >= max) {
      throw new TooManyRequestsError(`沙盒实时连接过多（上限 ${max} 个），请关闭不用的沙盒页面后重试。`);
    }
    this.streams.attach(ctx, this.transcript, conv.id, this.options.heartbeatMs ?? 15000, this.logger);
  }

  // ---- test hooks ----

  /**
   * Resolves with the first message of the conversation (chat id or `@<userId>`) that matches
   * `predicate`, existing or future (also a card update that makes it match). Event-driven.
   * @throws NotFoundError for an unknown conversation; rejects after `timeoutMs` ms (default 5000).
   */
  waitForMessage(
    conversationId: string,
    predicate: (m: SandboxMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<SandboxMessage> {
    return this.transcript.waitFor(this.index.conversation(conversationId).id, predicate, timeoutMs);
  }

  /** Resolves when every event handed to the sink so far (and any handed over meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Clears every conversation's transcript (between drill runs or tests). */
  reset(): void {
    this.transcript.clear();
  }

  /** Number of open SSE streams (diagnostics and tests). */
  get openStreams(): number {
    return this.streams.size;
  }

  // ---- internals ----

  private speaker(conv: Conversation, userId: string): SandboxMember {
    const person = this.index.person(userId);
    if (!person) throw new BadRequestError(`沙盒中没有这个人：${userId}`);
    if (!this.index.canSpeak(conv, userId)) {
      throw new ForbiddenError(
        conv.kind === 'chat'
          ? `${person.name} 不是「${conv.chat.name}」的成员`
          : `私信会话只能以 ${conv.person.name} 本人身份发言`,
      );
    }
    return person;
  }

  private async appendBot(conversationId: string, m: OutboundMessage): Promise<MessageRef> {
    const rendered = renderOutboundText(m.text, m.mentions, (id) => this.index.nameOf(id));
    const stored = this.transcript.append(conversationId, {
      from: BOT_SENDER,
      ...rendered,
      ...(m.card ? { card: m.card } : {}),
    });
    return { platform: 'sandbox', id: stored.id, platformRef: { conversationId } };
  }

  private handOver(event: InboundEvent, conversationId: string): void {
    const sink = this.sink;
    if (!sink) {
      this.logger.warn(
        { eventId: event.eventId, conversationId },
        'sandbox event dropped: no sink registered (init not called)',
      );
      return;
    }
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => sink(event))
      .catch(async (err: unknown) => {
        this.logger.error(
          { err, eventId: event.eventId, type: event.type, conversationId },
          'sandbox event processing failed',
        );
        await this.appendBot(conversationId, { text: SINK_FAILED_TEXT }).catch((e: unknown) =>
          this.logger.error({ err: e, conversationId }, 'sandbox failure notice not stored'),
        );
      });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }
}
