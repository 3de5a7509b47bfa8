/**
 * WeCom AI bot (智能机器人) in HTTP-callback mode [100719, 101027, 101031, 101033, 101138], plus
 * proactive group posts through per-chat webhook robots [91770].
 *
 * Callback flow (`routes`): GET = URL verification (echo the decrypted echostr as text/plain);
 * POST = verify signature (401), check the timestamp window (401), decrypt with receiveid "",
 * dedupe on msgid in PostgreSQL before answering (duplicate → 200 empty, not handed over; a retry of
 * one whose handler never finished — a crash — is taken over after `retakeAfterMs`), normalise, hand the event to the sink
 * and wait up to `passiveReplyMs` for it: whatever it replied by then is merged into one encrypted
 * passive answer; after that, replies go to response_url (once) / webhook robot (see ReplySession).
 * The adapter decides nothing about incidents; an unknown chat is handed over like any other.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import {
  BadRequestError,
  CodedError,
  ConfigError,
  DatabaseUnavailableError,
  NotReadyError,
  PlatformError,
  StaleError,
  CardNotUpdatableError,
} from '../../../errors.js';
import type {
  Card,
  ConversationRef,
  EventDedupe,
  EventSink,
  MessageRef,
  OutboundMessage,
  PlatformAdapter,
} from '../../types.js';
import { aesKeyBytes, decryptMessage, encryptReply, verifySignature } from './crypto.js';
import { readJsonBody } from './http-body.js';
import { buildCardUpdateReply, buildGreetingReply, buildMessageReply, type PassiveReply } from './passive-reply.js';
import { cardToMarkdown } from './render-card.js';
import { joinParts, renderMessageText, truncateUtf8, WEBHOOK_MARKDOWN_MAX_BYTES } from './render-markdown.js';
import { ReplySession } from './ReplySession.js';
import { CallbackHandling, type ReplayOptions, replayRecord } from './callback-handling.js';
import { postResponseUrl, trustedResponseUrl } from './response-url.js';
import {
  decodeCallbackJson,
  parseAiBotCallback,
  type ParsedCardAction,
  type ParsedMessage,
} from './to-inbound-event.js';
import { WebhookSender } from './WebhookSender.js';

/** Default callback path mounted by `routes`. */
export const WECOM_AIBOT_CALLBACK_PATH = '/callbacks/wecom/aibot';
/** AI-bot frames carry an empty receiveid [101033]. */
const AIBOT_RECEIVE_ID = '';
/** Chinese user-facing texts. */
export const TEXT_UNSUPPORTED =
  '暂不支持图片、文件等消息，目前只支持文字命令。请直接 @我 并输入文字命令（例如：帮助）。';
export const TEXT_APOLOGY = '抱歉，处理您的请求时出错了，请稍后重试。';

/** Constructor options (all times explicit units). */
export interface WeComAiBotAdapterOptions {
  /** Callback Token (WECOM_AIBOT_TOKEN). Secret: never logged. */
  token: string;
  /** 43-char EncodingAESKey (WECOM_AIBOT_ENCODING_AES_KEY). Secret: never logged. */
  encodingAESKey: string;
  /** Accepted |now − timestamp| of a callback, seconds (WECOM_CALLBACK_WINDOW_SECONDS). */
  callbackWindowSeconds: number;
  /** How long a callback waits for the handler before answering empty, ms (< 5000 [101031]). */
  passiveReplyMs: number;
  /**
   * A retried callback whose first delivery was claimed more than this long ago and never finished
   * (the claiming process crashed) is handled again, ms. Default `passiveReplyMs`: by then a live
   * instance has answered, so WeCom would not have retried (wecom.md §5: it retries after 5 s).
   */
  retakeAfterMs?: number;
  /**
   * Messages answered empty after the passive window whose handling then never finished (the
   * process died before the command committed; WeCom will not retry a 200) are handed over again
   * by a sweep: see `ReplayOptions`. Off when absent.
   */
  replay?: ReplayOptions;
  /** WeCom API base (webhook sends; response_url must be on this origin). */
  apiBase: string;
  /** Platform chatid → webhook robot key, for proactive posts and late replies. Keys are secrets. */
  webhookKeys: Record<string, string>;
  dedupe: EventDedupe;
  logger: Logger;
  /** The bot's display name, to strip `@name` wherever clients put it. */
  botName?: string;
  /** Text answered to `enter_chat` (1:1 chat opened); absent: the event is acknowledged silently. */
  greeting?: string;
  /** Mount path (default `/callbacks/wecom/aibot`). */
  path?: string;
  /** Webhook retries: attempts in all (default 3) and first backoff in ms (default 1000, doubled). */
  webhookRetry?: { tries?: number; baseDelayMs?: number };
  /** Timeout of outbound HTTP calls, ms (default 10000). */
  httpTimeoutMs?: number;
  /** Clock, ms since epoch (tests inject their own). */
  now?: () => number;
}

/** The WeCom AI-bot adapter; see the module comment and `WeComAiBotAdapterOptions`. */
export class WeComAiBotAdapter implements PlatformAdapter {
  readonly platform = 'wecom' as const;
  private sink?: EventSink;
  private readonly log: Logger;
  private readonly webhook: WebhookSender;
  private readonly now: () => number;
  private readonly handling: CallbackHandling;

  /** @throws ConfigError for an empty token or an EncodingAESKey that is not 43 base64 chars. */
  constructor(private readonly opts: WeComAiBotAdapterOptions) {
    if (!opts.token) throw new ConfigError('WeCom AI bot token is empty');
    aesKeyBytes(opts.encodingAESKey);
    this.log = opts.logger.child({ adapter: 'wecom-aibot' });
    this.now = opts.now ?? Date.now;
    this.handling = new CallbackHandling({
      dedupe: opts.dedupe,
      logger: this.log,
      passiveReplyMs: opts.passiveReplyMs,
      apology: TEXT_APOLOGY,
      now: this.now,
    });
    if (opts.passiveReplyMs >= 5000)
      this.log.warn(
        { passiveReplyMs: opts.passiveReplyMs },
        'passiveReplyMs >= 5000: WeCom retries callbacks not answered within 5 s',
      );
    this.webhook = new WebhookSender({
      apiBase: opts.apiBase,
      logger: this.log,
      tries: opts.webhookRetry?.tries,
      baseDelayMs: opts.webhookRetry?.baseDelayMs,
      timeoutMs: opts.httpTimeoutMs,
    });
  }

  /** Sets the sink events are handed to (the Bot hub). */
  init(sink: EventSink): void {
    this.sink = sink;
  }

  /** Mounts GET (URL verification) and POST (callbacks) on the configured path. */
  routes(router: Router): void {
    const path = this.opts.path ?? WECOM_AIBOT_CALLBACK_PATH;
    router.get(path, (ctx) => this.guard(ctx, () => this.verifyUrl(ctx)));
    router.post(path, (ctx) => this.guard(ctx, () => this.callback(ctx)));
  }

  /** HTTP mode: nothing to connect; starts handing over messages a crash cut short (`replay`). */
  async start(): Promise<void> {
    if (!this.sink) return;
    this.handling.startReplay(
      this.sink,
      this.opts.replay,
      (callback) => parseAiBotCallback(decodeCallbackJson(callback), this.opts.botName),
      (parsed) => this.sessionFor(parsed, newId()),
    );
  }
  /** HTTP mode: nothing to disconnect; stops the replay sweep (use `drain()` to await handlers still running). */
  async stop(): Promise<void> {
    this.handling.stopReplay();
  }

  /** The reply session of one callback: passive answer, then response_url once, then the webhook robot. */
  private sessionFor(parsed: ParsedMessage | ParsedCardAction, streamId: string): ReplySession {
    return new ReplySession({
      eventId: parsed.eventId,
      streamId,
      chatId: parsed.chatId,
      responseUrl: this.responseUrlOf(parsed.responseUrl),
      logger: this.log,
      postResponseUrl: (url, body) => postResponseUrl(url, body, this.opts.httpTimeoutMs ?? 10_000),
      hasWebhook: (chatId) => !!this.opts.webhookKeys[chatId],
      sendWebhook: (chatId, m) => this.send({ platform: 'wecom', chatId }, m),
    });
  }

  /** Resolves when every handler and late delivery started so far has settled. */
  async drain(): Promise<void> {
    await this.handling.drain();
  }

  /**
   * Proactive post into a group through its webhook robot, as markdown with `<@userid>` mentions;
   * a card is rendered as markdown listing its buttons as a command hint (a webhook cannot carry
   * clickable buttons [91770]). Content is cut to 4096 UTF-8 bytes.
   * @throws PlatformError: `to` without chatId (1:1 is impossible for the AI bot over HTTP),
   *   no webhook key for the chat, or the webhook's error (retryable per wecom.md §5).
   */
  async send(to: ConversationRef, m: OutboundMessage): Promise<MessageRef> {
    if (!to.chatId) {
      throw new PlatformError(
        'WeCom AI bot (HTTP callback mode) cannot send 1:1 messages; only group posts via a webhook robot',
        'NO_DIRECT_SEND',
        false,
      );
    }
    const key = this.opts.webhookKeys[to.chatId];
    if (!key)
      throw new PlatformError(`no WeCom webhook robot key configured for chat ${to.chatId}`, 'NO_WEBHOOK_KEY', false);
    const content = truncateUtf8(
      joinParts([renderMessageText(m), m.card ? cardToMarkdown(m.card) : '']),
      WEBHOOK_MARKDOWN_MAX_BYTES,
    );
    await this.webhook.send(key, { msgtype: 'markdown', markdown: { content } }, to.chatId);
    return { platform: 'wecom', id: `webhook-${randomUUID()}`, platformRef: { via: 'webhook', chatId: to.chatId } };
  }

  /**
   * Not possible outside the 5-s passive window in HTTP-callback mode [101031].
   * @throws CardNotUpdatableError always: the delivery worker then posts the card as a new message.
   */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    // The AI bot updates a card only inside a click's answer (wecom.md §3): a later state change goes
    // out as a new message (the delivery worker posts the card anew on this error; issue 12 item 4).
    throw new CardNotUpdatableError(`wecom AI-bot card ${card.id} (${ref.id}) can be updated only inside a click`);
  }

  /** Maps thrown errors to `{error, message}` JSON; 401s are logged as warnings (no secrets). */
  private async guard(ctx: Context, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof CodedError && err.status < 500) {
        if (err.status === 401)
          this.log.warn({ ip: ctx.ip, method: ctx.method, reason: err.message }, 'wecom callback rejected');
        else this.log.info({ ip: ctx.ip, method: ctx.method, reason: err.message }, 'wecom callback bad request');
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.message };
        return;
      }
      // A database outage is logged by the store, once per interval (issue 14).
      if (err instanceof DatabaseUnavailableError) this.log.debug('wecom callback refused: database unavailable');
      else this.log.error({ err }, 'wecom callback failed');
      ctx.status = err instanceof CodedError ? err.status : 500;
      ctx.body = { error: err instanceof CodedError ? err.code : 'INTERNAL', message: 'internal error' };
    }
  }

  /** Reads and checks msg_signature/timestamp/nonce (+ `extra`) from the query. */
  private query(ctx: Context, extra?: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of ['msg_signature', 'timestamp', 'nonce', ...(extra ? [extra] : [])]) {
      const v = ctx.query[name];
      if (typeof v !== 'string' || v.length === 0) throw new BadRequestError(`missing query parameter ${name}`);
      out[name] = v;
    }
    if (!/^\d{1,12}$/.test(out.timestamp)) throw new BadRequestError('timestamp must be unix seconds');
    return out;
  }

  /** Rejects a timestamp outside ±callbackWindowSeconds (replay / stale). */
  private checkWindow(timestamp: string): void {
    const skew = Math.abs(this.now() / 1000 - Number(timestamp));
    if (skew > this.opts.callbackWindowSeconds) throw new StaleError('timestamp outside the accepted window');
  }

  /** GET: URL verification; answers the decrypted echostr raw. */
  private async verifyUrl(ctx: Context): Promise<void> {
    const q = this.query(ctx, 'echostr');
    // Base64 never has spaces: a '+' sent unencoded was turned into ' ' by query decoding.
    const echostr = q.echostr.replace(/ /g, '+');
    verifySignature(this.opts.token, q.timestamp, q.nonce, echostr, q.msg_signature);
    this.checkWindow(q.timestamp);
    const plain = decryptMessage(this.opts.encodingAESKey, echostr, AIBOT_RECEIVE_ID);
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = plain;
  }

  /** POST: a message or event callback. */
  private async callback(ctx: Context): Promise<void> {
    // Before anything is marked seen, so WeCom's retry can still be handled once we are ready.
    if (!this.sink) throw new NotReadyError('wecom adapter not initialised (init(sink) not called)');
    const q = this.query(ctx);
    const body = await readJsonBody(ctx);
    const encrypted = (body as { encrypt?: unknown } | null)?.encrypt;
    if (typeof encrypted !== 'string' || !encrypted) throw new BadRequestError('body must be {"encrypt": "<base64>"}');
    verifySignature(this.opts.token, q.timestamp, q.nonce, encrypted, q.msg_signature);
    this.checkWindow(q.timestamp);
    const plain = decryptMessage(this.opts.encodingAESKey, encrypted, AIBOT_RECEIVE_ID);
    const parsed = parseAiBotCallback(decodeCallbackJson(plain), this.opts.botName);

    let first: boolean;
    try {
      first = await this.opts.dedupe.firstSeen('wecom', parsed.eventId, {
        retakeAfterMs: this.opts.retakeAfterMs ?? this.opts.passiveReplyMs,
        // a message keeps its callback until handled, so a crash after the empty answer is replayed
        ...(parsed.kind === 'message' && this.opts.replay ? { replay: replayRecord(plain, this.now()) } : {}),
      });
    } catch (err) {
      // Without the dedupe row the event cannot be taken on: a message is answered with what to do
      // (the user resends); anything else gets 503 (WeCom retries messages, not card clicks [101027]).
      if (!(err instanceof DatabaseUnavailableError) || parsed.kind !== 'message') throw err;
      this.log.debug({ eventId: parsed.eventId }, 'wecom callback answered "unavailable": database down');
      return this.respond(ctx, buildMessageReply([{ text: err.message }], newId()));
    }
    if (!first) {
      this.log.info({ eventId: parsed.eventId }, 'wecom duplicate callback acknowledged, not handed over');
      return this.respond(ctx);
    }
    if (parsed.kind !== 'message' && parsed.kind !== 'card') this.handling.markHandled(parsed.eventId);
    switch (parsed.kind) {
      case 'ignored':
        this.log.debug({ eventId: parsed.eventId, reason: parsed.reason }, 'wecom callback ignored');
        return this.respond(ctx);
      case 'enter_chat':
        return this.respond(ctx, this.opts.greeting ? buildGreetingReply(this.opts.greeting) : undefined);
      case 'unsupported':
        this.log.info({ eventId: parsed.eventId, msgtype: parsed.msgtype }, 'wecom unsupported message type');
        return this.respond(ctx, buildMessageReply([{ text: TEXT_UNSUPPORTED }], newId()));
      default:
        return this.dispatch(ctx, parsed);
    }
  }

  /** Hands the event over, waits up to passiveReplyMs, answers passively, routes the rest late. */
  private async dispatch(ctx: Context, parsed: ParsedMessage | ParsedCardAction): Promise<void> {
    const sink = this.sink!;
    const streamId = newId();
    const session = this.sessionFor(parsed, streamId);
    const collected = await this.handling.inWindow(sink, parsed, session);
    if (parsed.kind === 'card') {
      session.settle(true); // its texts go the late way below
      this.respond(ctx, collected.cardUpdate ? buildCardUpdateReply(collected.cardUpdate) : undefined);
      // A click can only be answered by a card update: texts go the late way, in order.
      if (collected.messages.length) {
        this.handling.track(
          collected.messages.reduce<Promise<unknown>>(
            (p, m) => p.then(() => session.deliverLate(m)),
            Promise.resolve(),
          ),
        );
      }
      return;
    }
    ctx.res.once('finish', () => session.settle(true));
    ctx.res.once('close', () => session.settle(false));
    this.respond(ctx, buildMessageReply(collected.messages, streamId));
  }

  /** Answers 200: empty body, or the encrypted passive reply (JSON). */
  private respond(ctx: Context, reply?: PassiveReply): void {
    if (!reply) {
      ctx.body = '';
      ctx.status = 200;
      return;
    }
    const ts = Math.floor(this.now() / 1000);
    const env = encryptReply(
      this.opts.token,
      this.opts.encodingAESKey,
      JSON.stringify(reply),
      AIBOT_RECEIVE_ID,
      ts,
      newId().slice(0, 16),
    );
    ctx.status = 200;
    ctx.body = env;
  }

  /** The callback's response_url if trusted (see `trustedResponseUrl`), else undefined (logged). */
  private responseUrlOf(url?: string): string | undefined {
    const trusted = trustedResponseUrl(url, this.opts.apiBase);
    if (url && !trusted) this.log.warn('wecom response_url not on the API origin; ignored');
    return trusted;
  }
}

function newId(): string {
  return randomBytes(16).toString('hex');
}
