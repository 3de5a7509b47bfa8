/**
 * WeCom AI bot (智能机器人) over its long connection [101463] with the official
 * `@wecom/aibot-node-sdk` (`WECOM_AIBOT_MODE=ws`): no public URL and no crypto; frames
 * `{cmd, headers:{req_id}, body}` (wecom.md §1c).
 *
 * - One holder: WeCom allows one connection per bot and a new one evicts the old
 *   (`disconnected_event`), so only the instance holding the `leadership` (a PostgreSQL advisory
 *   lock, `store/PgAdvisoryLeader.ts`) connects; the others wait and take over within about the
 *   lock's poll interval when the holder dies. `canSend()` is false elsewhere, so the delivery
 *   worker of a non-holder leaves WeCom rows to the holder.
 * - Heartbeats: the SDK pings every `heartbeatMs` and treats two missed acks as a dead socket.
 * - Reconnect: the SDK's own reconnect (exponential, no jitter) is switched off; every lost
 *   connection (network, failed subscribe, eviction) is retried here with exponential backoff and
 *   jitter (`reconnect.baseMs` doubling up to `reconnect.maxMs`, times a random 0.5–1), with a fresh
 *   SDK client each time.
 * - Watchdog: callbacks can stop arriving while the socket looks healthy (wecom.md §8.1): when no
 *   callback arrived for `watchdogMs` on an open connection, the adapter resubscribes (a fresh
 *   connection and `aibot_subscribe`). Errcode 846609 ("not subscribed") meanwhile is transient:
 *   sends fail retryable and a resubscribe is started.
 * - Inbound: `aibot_msg_callback` / `aibot_event_callback` bodies are those of the HTTP mode and are
 *   parsed by the same `parseAiBotCallback`; deduped on msgid in PostgreSQL (the same claims as HTTP,
 *   so a repeated msgid is handled once); the handler's replies within `passiveReplyMs` are merged
 *   into one `aibot_respond_msg`; a card click is answered with `aibot_respond_update_msg` within
 *   the same window (< 5 s [101031]); anything later goes out as `aibot_send_msg`.
 * - Outbound (`send`): `aibot_send_msg` to a chatid (group) or userid (1:1): markdown with
 *   `<@userid>` mentions; a card goes as a `button_interaction` template card, preceded by its
 *   text as markdown when it has one — the card itself cannot mention, the markdown does (issue 12
 *   item 2).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { WSClient, type WsFrame } from '@wecom/aibot-node-sdk';
import type { Logger } from 'pino';
import { DatabaseUnavailableError, PlatformError, CardNotUpdatableError } from '../../../../errors.js';
import type {
  Card,
  ConversationRef,
  EventDedupe,
  EventSink,
  MessageRef,
  OutboundMessage,
  PlatformAdapter,
} from '../../../types.js';
import { buildCardUpdateReply, buildMessageReply } from '../passive-reply.js';
import { parseAiBotCallback, type ParsedCardAction, type ParsedMessage } from '../to-inbound-event.js';
import { TEXT_APOLOGY, TEXT_UNSUPPORTED } from '../WeComAiBotAdapter.js';
import { ackErrcode, ERR_NOT_SUBSCRIBED, wsPlatformError } from './ws-errors.js';
import { wsSendBodies } from './render-ws.js';
import { WsReplySession } from './WsReplySession.js';
import { CallbackHandling, type ReplayOptions, replayRecord } from '../callback-handling.js';

/** Frame commands of the answers (wecom.md §1c). */
const CMD_RESPOND = 'aibot_respond_msg';
const CMD_RESPOND_UPDATE = 'aibot_respond_update_msg';
const CMD_RESPOND_WELCOME = 'aibot_respond_welcome_msg';

/** Who may hold the connection (implemented by `store/PgAdvisoryLeader`). */
export interface WsLeadership {
  start(handlers: { onAcquired(): void; onLost(reason: string): void }): Promise<void>;
  stop(): Promise<void>;
}

/** Connection state as `/healthz` and tests read it. */
export interface WsConnectionStats {
  /** Whether this instance holds the leadership. */
  leader: boolean;
  /** `open` = subscribed and usable. */
  state: 'idle' | 'connecting' | 'open';
  /** Successful subscriptions so far (the first and every resubscribe). */
  subscribes: number;
  /** Resubscribes started by the watchdog or an 846609. */
  resubscribes: number;
  /** Reconnects scheduled after a lost connection. */
  reconnects: number;
}

/** Constructor options (times in ms). */
export interface WeComWsAdapterOptions {
  /** Bot ID (WECOM_AIBOT_BOT_ID). */
  botId: string;
  /** Bot secret (WECOM_AIBOT_SECRET). Secret: never logged. */
  secret: string;
  /** WebSocket URL (WECOM_AIBOT_WS_URL; default the SDK's `wss://openws.work.weixin.qq.com`). */
  wsUrl?: string;
  /** Ping interval, ms (WECOM_AIBOT_HEARTBEAT_MS, default 30000). */
  heartbeatMs: number;
  /** Resubscribe when no callback arrived for this long on an open connection, ms (WECOM_AIBOT_WATCHDOG_MS). */
  watchdogMs: number;
  /** Reconnect backoff: first delay and cap, ms (WECOM_AIBOT_RECONNECT_BASE_MS / _MAX_MS). */
  reconnect: { baseMs: number; maxMs: number };
  /** How long a callback's handler may add to the one answer, ms (< 5000: card updates [101031]). */
  passiveReplyMs: number;
  /** A repeated msgid whose first handling never finished is taken over after this long, ms (default passiveReplyMs). */
  retakeAfterMs?: number;
  /** Messages whose handling a crash cut short are handed over again (see `ReplayOptions`); off when absent. */
  replay?: ReplayOptions;
  leadership: WsLeadership;
  dedupe: EventDedupe;
  logger: Logger;
  botName?: string;
  /** Text answered to `enter_chat`; absent: nothing. */
  greeting?: string;
  /** Called whenever the connection becomes usable (the app wakes the delivery worker). */
  onReady?: () => void;
  now?: () => number;
  random?: () => number;
}

/** The WeCom AI-bot long-connection adapter; see the module comment. */
export class WeComWsAdapter implements PlatformAdapter {
  readonly platform = 'wecom' as const;
  private sink?: EventSink;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly handling: CallbackHandling;
  private client?: WSClient;
  private leader = false;
  private stopping = false;
  private state: WsConnectionStats['state'] = 'idle';
  private attempts = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private lastCallbackAt = 0;
  private readonly counters = { subscribes: 0, resubscribes: 0, reconnects: 0 };

  /** @throws PlatformError (not retryable) when bot id or secret is empty. */
  constructor(private readonly opts: WeComWsAdapterOptions) {
    if (!opts.botId || !opts.secret) throw new PlatformError('WeCom AI bot id and secret are required', 'CONFIG');
    this.log = opts.logger.child({ adapter: 'wecom-aibot-ws' });
    this.now = opts.now ?? Date.now;
    this.handling = new CallbackHandling({
      dedupe: opts.dedupe,
      logger: this.log,
      passiveReplyMs: opts.passiveReplyMs,
      apology: TEXT_APOLOGY,
      now: this.now,
    });
    this.random = opts.random ?? Math.random;
    if (opts.passiveReplyMs >= 5000)
      this.log.warn(
        { passiveReplyMs: opts.passiveReplyMs },
        'passiveReplyMs >= 5000: card updates must answer within 5 s',
      );
  }

  /** Sets the sink events are handed to (the Bot hub). */
  init(sink: EventSink): void {
    this.sink = sink;
  }

  /** Starts competing for the connection; connects once this instance holds the leadership. */
  async start(): Promise<void> {
    this.stopping = false;
    if (this.sink)
      this.handling.startReplay(
        this.sink,
        this.opts.replay,
        (callback) => parseAiBotCallback(JSON.parse(callback) as unknown, this.opts.botName),
        (parsed) => this.sessionFor(parsed, newId()),
      );
    const period = Math.max(50, Math.floor(this.opts.watchdogMs / 4));
    this.watchdog = setInterval(() => this.checkWatchdog(), period);
    await this.opts.leadership.start({
      onAcquired: () => {
        this.leader = true;
        this.attempts = 0;
        this.connect();
      },
      onLost: (reason) => {
        this.leader = false;
        this.log.warn({ reason }, 'wecom long connection: leadership lost; disconnecting');
        this.closeClient();
      },
    });
  }

  /** Disconnects, gives up the leadership and waits for handlers still running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.handling.stopReplay();
    clearInterval(this.watchdog);
    clearTimeout(this.reconnectTimer);
    this.closeClient();
    await this.opts.leadership.stop();
    await this.drain();
  }

  /** Resolves when every handler and late delivery started so far has settled. */
  async drain(): Promise<void> {
    await this.handling.drain();
  }

  /** Whether this instance holds the subscribed connection (only then can it send). */
  canSend(): boolean {
    return this.state === 'open' && !!this.client;
  }

  /** Connection state and counters. */
  stats(): WsConnectionStats {
    return { leader: this.leader, state: this.state, ...this.counters };
  }

  /**
   * Proactive post (`aibot_send_msg`) into a group (`to.chatId`) or 1:1 (`to.userId`); see
   * `wsSendBodies` for the frames (a card with text = a mention-carrying markdown, then the card).
   * @throws PlatformError: retryable when the connection is not held here or a frame failed
   *   transiently (846609, -1, 45009, no acknowledgement); not retryable for no destination or
   *   a rejected frame.
   */
  async send(to: ConversationRef, m: OutboundMessage): Promise<MessageRef> {
    const target = to.chatId ?? to.userId;
    if (!target) throw new PlatformError('WeCom send needs a chatId or userId', 'NO_DESTINATION', false);
    for (const body of wsSendBodies(m)) {
      const client = this.client;
      if (!client || this.state !== 'open')
        throw new PlatformError('WeCom long connection is not held by this instance', 'NOT_CONNECTED', true);
      try {
        await client.sendMessage(target, body as Parameters<WSClient['sendMessage']>[1]);
      } catch (err) {
        if (ackErrcode(err) === ERR_NOT_SUBSCRIBED) this.resubscribe('errcode 846609 (not subscribed)');
        throw wsPlatformError('aibot_send_msg', err);
      }
    }
    return {
      platform: 'wecom',
      id: `ws-${randomUUID()}`,
      platformRef: { via: 'aibot_send_msg', ...(to.chatId ? { chatId: to.chatId } : { userId: to.userId }) },
    };
  }

  /**
   * A card can only be updated within 5 s of its click over the long connection [101031].
   * @throws CardNotUpdatableError always: the delivery worker then posts the card as a new message.
   */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    // The AI bot updates a card only inside a click's answer (wecom.md §3): a later state change goes
    // out as a new message (the delivery worker posts the card anew on this error; issue 12 item 4).
    throw new CardNotUpdatableError(`wecom AI-bot card ${card.id} (${ref.id}) can be updated only inside a click`);
  }

  // ---- connection -------------------------------------------------------------------------

  /** Opens a fresh SDK client (closing any old one); it subscribes with bot id and secret. */
  private connect(): void {
    clearTimeout(this.reconnectTimer);
    if (!this.leader || this.stopping) return;
    this.closeClient();
    const client = new WSClient({
      botId: this.opts.botId,
      secret: this.opts.secret,
      ...(this.opts.wsUrl ? { wsUrl: this.opts.wsUrl } : {}),
      heartbeatInterval: this.opts.heartbeatMs,
      // reconnects are ours (backoff with jitter, a fresh client): the SDK's are switched off
      maxReconnectAttempts: 0,
      maxAuthFailureAttempts: 0,
      logger: sdkLogger(this.log),
    });
    const mine = () => this.client === client;
    client.on('authenticated', () => {
      if (!mine()) return;
      this.state = 'open';
      this.attempts = 0;
      this.lastCallbackAt = this.now();
      this.counters.subscribes += 1;
      this.log.info({ botId: this.opts.botId }, 'wecom long connection subscribed');
      this.opts.onReady?.();
    });
    client.on('disconnected', (reason: string) => {
      if (!mine()) return;
      this.state = 'idle';
      this.client = undefined;
      // the SDK may still hold a reconnect timer or socket: make sure this client is done
      silence(client);
      this.scheduleReconnect(reason);
    });
    client.on('error', (err: Error) => {
      if (mine()) this.log.debug({ err: err.message }, 'wecom long connection error');
    });
    client.on('message', (frame) => {
      if (mine()) this.onFrame(frame as WsFrame);
    });
    client.on('event', (frame) => {
      if (mine()) this.onFrame(frame as WsFrame);
    });
    this.client = client;
    this.state = 'connecting';
    client.connect();
  }

  /** Waits `reconnectDelayMs` before the next connect. */
  private scheduleReconnect(reason: string): void {
    if (!this.leader || this.stopping) return;
    this.attempts += 1;
    this.counters.reconnects += 1;
    const delay = reconnectDelayMs(this.attempts, this.opts.reconnect, this.random);
    this.log.warn({ reason, attempt: this.attempts, delayMs: delay }, 'wecom long connection lost; reconnecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** A fresh connection and subscription now (watchdog, 846609). No-op while not subscribed. */
  private resubscribe(reason: string): void {
    if (!this.leader || this.stopping || this.state !== 'open') return;
    this.counters.resubscribes += 1;
    this.log.warn({ reason }, 'wecom long connection: resubscribing');
    this.connect();
  }

  private checkWatchdog(): void {
    if (this.state !== 'open') return;
    const quiet = this.now() - this.lastCallbackAt;
    if (quiet >= this.opts.watchdogMs) this.resubscribe(`no callback for ${quiet} ms although the socket is open`);
  }

  private closeClient(): void {
    const client = this.client;
    this.client = undefined;
    this.state = 'idle';
    if (client) silence(client);
  }

  // ---- inbound ----------------------------------------------------------------------------

  /** One callback frame; never throws. */
  private onFrame(frame: WsFrame): void {
    this.lastCallbackAt = this.now();
    const body = frame.body as { event?: { eventtype?: string } } | undefined;
    if (body?.event?.eventtype === 'disconnected_event') {
      this.log.warn('wecom long connection evicted: another connection subscribed with this bot id');
      return;
    }
    this.handling.track(
      this.handleFrame(frame).catch((err: unknown) => {
        if (err instanceof DatabaseUnavailableError) this.log.debug('wecom callback refused: database unavailable');
        else this.log.error({ err }, 'wecom long-connection callback failed');
      }),
    );
  }

  private async handleFrame(frame: WsFrame): Promise<void> {
    if (!this.sink) throw new PlatformError('wecom adapter not initialised (init(sink) not called)', 'NOT_READY');
    let parsed: ReturnType<typeof parseAiBotCallback>;
    try {
      parsed = parseAiBotCallback(frame.body, this.opts.botName);
    } catch (err) {
      this.log.info({ reason: (err as Error).message }, 'wecom long-connection callback malformed; ignored');
      return;
    }
    let first: boolean;
    try {
      first = await this.opts.dedupe.firstSeen('wecom', parsed.eventId, {
        retakeAfterMs: this.opts.retakeAfterMs ?? this.opts.passiveReplyMs,
        // a message keeps its callback until handled, so a crash after the answer is replayed
        ...(parsed.kind === 'message' && this.opts.replay
          ? { replay: replayRecord(JSON.stringify(frame.body), this.now()) }
          : {}),
      });
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError) || parsed.kind !== 'message') throw err;
      await this.answer(frame, CMD_RESPOND, buildMessageReply([{ text: err.message }], newId()));
      return;
    }
    if (!first) {
      this.log.info({ eventId: parsed.eventId }, 'wecom duplicate callback ignored');
      return;
    }
    if (parsed.kind !== 'message' && parsed.kind !== 'card') this.handling.markHandled(parsed.eventId);
    switch (parsed.kind) {
      case 'ignored':
        this.log.debug({ eventId: parsed.eventId, reason: parsed.reason }, 'wecom callback ignored');
        return;
      case 'enter_chat':
        if (this.opts.greeting)
          await this.answer(frame, CMD_RESPOND_WELCOME, { msgtype: 'text', text: { content: this.opts.greeting } });
        return;
      case 'unsupported':
        await this.answer(frame, CMD_RESPOND, buildMessageReply([{ text: TEXT_UNSUPPORTED }], newId()));
        return;
      default:
        await this.dispatch(frame, parsed);
    }
  }

  /** Hands the event over, waits up to passiveReplyMs, answers once, routes the rest late. */
  private async dispatch(frame: WsFrame, parsed: ParsedMessage | ParsedCardAction): Promise<void> {
    const sink = this.sink!;
    const streamId = newId();
    const to = conversationOf(parsed);
    const session = this.sessionFor(parsed, streamId);
    const collected = await this.handling.inWindow(sink, parsed, session);
    if (parsed.kind === 'card') {
      session.settle(true); // its texts go the late way below
      if (collected.cardUpdate)
        await this.answer(frame, CMD_RESPOND_UPDATE, buildCardUpdateReply(collected.cardUpdate));
      for (const m of collected.messages)
        await this.send(to, m).catch((err: unknown) =>
          this.log.warn({ eventId: parsed.eventId, err: (err as Error).message }, 'wecom late reply failed'),
        );
      return;
    }
    const reply = buildMessageReply(collected.messages, streamId);
    session.settle(reply ? await this.answer(frame, CMD_RESPOND, reply) : true);
  }

  /** The reply session of one callback: the one answer frame, then `aibot_send_msg` into its conversation. */
  private sessionFor(parsed: ParsedMessage | ParsedCardAction, streamId: string): WsReplySession {
    const to = conversationOf(parsed);
    return new WsReplySession({
      eventId: parsed.eventId,
      streamId,
      logger: this.log,
      deliverLate: (m) => this.send(to, m),
    });
  }

  /** Sends one answer frame echoing the callback's req_id; true when WeCom acknowledged it. */
  private async answer(frame: WsFrame, cmd: string, body: object | undefined): Promise<boolean> {
    const client = this.client;
    if (!body) return true;
    if (!client) return false;
    try {
      await client.reply(frame, body, cmd);
      return true;
    } catch (err) {
      this.log.warn({ cmd, err: wsPlatformError(cmd, err).message }, 'wecom long-connection answer failed');
      return false;
    }
  }
}

/**
 * Delay before reconnect attempt `attempt` (1, 2, …), ms: exponential backoff capped at `maxMs`
 * with "equal jitter" — min(maxMs, baseMs·2^(attempt−1)) × (0.5 + 0.5·random()), so instances that
 * lost the connection together do not reconnect in lockstep.
 */
export function reconnectDelayMs(
  attempt: number,
  backoff: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/** Stops an SDK client for good: no listeners, no socket, no SDK reconnect timer. */
function silence(client: WSClient): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
  try {
    client.disconnect();
  } catch {
    // already closed
  }
}

/** The SDK's logger on pino; its chatty info lines go to debug (they carry no secrets). */
function sdkLogger(log: Logger) {
  const child = log.child({ part: 'aibot-sdk' });
  const fmt = (args: unknown[]) => (args.length ? { args: args.map(String) } : {});
  return {
    debug: (m: string, ...a: unknown[]) => child.debug(fmt(a), m),
    info: (m: string, ...a: unknown[]) => child.debug(fmt(a), m),
    warn: (m: string, ...a: unknown[]) => child.info(fmt(a), m),
    error: (m: string, ...a: unknown[]) => child.warn(fmt(a), m),
  };
}

/** Where a callback's late replies go: its group, or the sender 1:1. */
function conversationOf(parsed: ParsedMessage | ParsedCardAction): ConversationRef {
  return parsed.chatId ? { platform: 'wecom', chatId: parsed.chatId } : { platform: 'wecom', userId: parsed.userId };
}

function newId(): string {
  return randomBytes(16).toString('hex');
}
