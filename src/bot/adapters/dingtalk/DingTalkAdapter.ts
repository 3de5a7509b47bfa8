/**
 * DingTalk enterprise-internal robot (dingtalk.md), behind `PlatformAdapter`.
 *
 * Receive: HTTP mode (`routes`: `POST /callbacks/dingtalk/robot`, `timestamp`/`sign` headers checked,
 * 401 + log for forged or stale) or Stream mode (`start`: `StreamReceiver`, robot and card topics).
 * Both: persist (dedupe `robotCode:msgId` in the shared store), acknowledge, then hand the event over.
 * Reply: sessionWebhook (markdown, literal `@userId` + `at.atUserIds`) while it is valid, else the
 * robot OpenAPI. Proactive (`send`): `groupMessages/send`; people to notify also get a signed custom
 * robot post with `at` (chat with a custom robot configured) or a 1:1 `oToMessages/batchSend`.
 * Cards: `card/instances/createAndDeliver` (template in docs/dingtalk-card.md), later
 * `PUT /v1.0/card/instances`. Errors: `PlatformError` with `retryable` per `error-table.ts`.
 */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import { TOPIC_CARD, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { BadRequestError, CodedError, NotReadyError, PlatformError } from '../../../errors.js';
import type {
  Card,
  ConversationRef,
  EventDedupe,
  EventSink,
  InboundEvent,
  MessageRef,
  OutboundMessage,
  PlatformAdapter,
} from '../../types.js';
import { DingTalkApi } from './DingTalkApi.js';
import { cardParamMap, renderText } from './render.js';
import { signedWebhookUrl, verifyCallbackSign } from './sign.js';
import { StreamReceiver } from './StreamReceiver.js';
import {
  parseCardCallback,
  parseRobotMessage,
  type ParsedCardClick,
  type ParsedRobotMessage,
} from './to-inbound-event.js';

export const DINGTALK_ROBOT_PATH = '/callbacks/dingtalk/robot';
export const DINGTALK_CARD_PATH = '/callbacks/dingtalk/card';
export const TEXT_UNSUPPORTED = '暂不支持图片、文件等消息，目前只支持文字命令。请 @我 并输入文字命令（例如：帮助）。';
export const TEXT_APOLOGY = '抱歉，处理您的请求时出错了，请稍后重试。';
/** batchSend takes at most 20 userIds (dingtalk.md §2). */
const BATCH_SEND_MAX = 20;
/** Treat a sessionWebhook as expired this long before its `sessionWebhookExpiredTime`, ms. */
const SESSION_WEBHOOK_MARGIN_MS = 60_000;
const MAX_BODY_BYTES = 1_000_000;

/** A chat's custom group robot (send only, dingtalk.md §2): webhook URL and its `SEC…` secret (secrets). */
export interface CustomRobot {
  webhook: string;
  secret: string;
}

/** Constructor options (times in ms). */
export interface DingTalkAdapterOptions {
  mode: 'http' | 'stream';
  /** AppKey / Client ID (DINGTALK_CLIENT_ID). */
  clientId: string;
  /** AppSecret / Client Secret (DINGTALK_CLIENT_SECRET): signs HTTP callbacks. Never logged. */
  clientSecret: string;
  /** robotCode (equals the AppKey for an internal app; DINGTALK_ROBOT_CODE). */
  robotCode: string;
  /** `https://api.dingtalk.com` (DINGTALK_API_BASE). */
  apiBase: string;
  /** `https://oapi.dingtalk.com` (DINGTALK_OAPI_BASE): sessionWebhooks must be on this origin. */
  oapiBase: string;
  /** Per-call timeout (DINGTALK_HTTP_TIMEOUT_MS, default 3000). */
  timeoutMs: number;
  /** Accepted |now − timestamp| of an HTTP callback (DINGTALK_CALLBACK_WINDOW_MS, default 3600000). */
  callbackWindowMs: number;
  /** Interactive card template id (DINGTALK_CARD_TEMPLATE_ID); absent: cards go as markdown. */
  cardTemplateId?: string;
  /** HTTP mode: the card callback route key registered with `/v1.0/card/callbacks/register`. */
  cardCallbackRouteKey?: string;
  /** openConversationId → custom group robot, for mentions that notify in proactive posts. */
  customRobots: Record<string, CustomRobot>;
  dedupe: EventDedupe;
  logger: Logger;
  botName?: string;
  /** Stream watchdog: no frame for this long → reconnect (default 60000). */
  streamIdleMs?: number;
  streamBackoffBaseMs?: number;
  now?: () => number;
}

type CardRef = { kind: 'card'; outTrackId: string };

/** See the module comment. */
export class DingTalkAdapter implements PlatformAdapter {
  readonly platform = 'dingtalk' as const;
  readonly api: DingTalkApi;
  readonly stream?: StreamReceiver;
  private sink?: EventSink;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly opts: DingTalkAdapterOptions) {
    this.log = opts.logger.child({ adapter: 'dingtalk' });
    this.now = opts.now ?? Date.now;
    this.api = new DingTalkApi({
      appKey: opts.clientId,
      appSecret: opts.clientSecret,
      apiBase: opts.apiBase,
      timeoutMs: opts.timeoutMs,
      logger: this.log,
      now: this.now,
    });
    if (opts.mode === 'stream') {
      this.stream = new StreamReceiver({
        clientId: opts.clientId,
        clientSecret: opts.clientSecret,
        topics: [TOPIC_ROBOT, TOPIC_CARD],
        logger: this.log,
        idleMs: opts.streamIdleMs,
        backoffBaseMs: opts.streamBackoffBaseMs,
        onFrame: (f, ack) => this.onStreamFrame(f, ack),
      });
    }
  }

  init(sink: EventSink): void {
    this.sink = sink;
  }

  /** HTTP mode: mounts the robot callback (and the card callback when a route key is configured). */
  routes(router: Router): void {
    if (this.opts.mode !== 'http') return;
    router.post(DINGTALK_ROBOT_PATH, (ctx) => this.guard(ctx, () => this.httpCallback(ctx, 'robot')));
    if (this.opts.cardCallbackRouteKey)
      router.post(DINGTALK_CARD_PATH, (ctx) => this.guard(ctx, () => this.httpCallback(ctx, 'card')));
  }

  /** Stream mode: connects (retries continue in the background). */
  async start(): Promise<void> {
    await this.stream?.start();
  }

  /** Stream mode: disconnects; then waits for handlers still running. */
  async stop(): Promise<void> {
    await this.stream?.stop();
    await this.drain();
  }

  /** Resolves when every handler started so far has settled. */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Proactive post (dingtalk.md §2). Group: a card via createAndDeliver (when a template is set;
   * its atUserIds notify), text via a signed custom robot post with `at` when the chat has one and
   * someone must be notified, else `groupMessages/send` plus a 1:1 `batchSend` to the mentioned.
   * 1:1 (`to.userId`): a card to the robot chat, or `batchSend`.
   * @throws PlatformError (retryable per error-table.ts) — also for a `to` without chat or user.
   */
  async send(to: ConversationRef, m: OutboundMessage): Promise<MessageRef> {
    const withCard = !!m.card && !this.opts.cardTemplateId;
    if (m.card && this.opts.cardTemplateId) {
      if (m.text.trim()) await this.send(to, { text: m.text, mentions: m.mentions });
      return this.deliverCard(to, m.card, m.mentions ?? []);
    }
    const r = renderText(m, withCard);
    if (to.chatId) {
      const robot = this.opts.customRobots[to.chatId];
      if (robot && r.atUserIds.length) {
        await this.api.oapiPost(
          signedWebhookUrl(robot.webhook, robot.secret, this.now()),
          {
            msgtype: 'markdown',
            markdown: { title: r.title, text: r.text },
            at: { atUserIds: r.atUserIds, isAtAll: false },
          },
          'custom robot send',
        );
        return { platform: 'dingtalk', id: `robot-${newId()}`, platformRef: { kind: 'robot', chatId: to.chatId } };
      }
      const res = await this.api.v1<{ processQueryKey?: string }>('POST', '/v1.0/robot/groupMessages/send', {
        robotCode: this.opts.robotCode,
        openConversationId: to.chatId,
        msgKey: 'sampleMarkdown',
        msgParam: JSON.stringify({ title: r.title, text: r.text }),
      });
      if (r.atUserIds.length) await this.batchSend(r.atUserIds, r.title, r.text);
      const key = res?.processQueryKey ?? newId();
      return { platform: 'dingtalk', id: key, platformRef: { kind: 'group', chatId: to.chatId, processQueryKey: key } };
    }
    if (to.userId) {
      const key = await this.batchSend([to.userId], r.title, r.text);
      return {
        platform: 'dingtalk',
        id: key,
        platformRef: { kind: 'direct', userId: to.userId, processQueryKey: key },
      };
    }
    throw new PlatformError('dingtalk send needs a chatId or a userId', 'NO_TARGET', false);
  }

  /**
   * Updates an interactive card from a persisted ref (`PUT /v1.0/card/instances`, dingtalk.md §3).
   * Refs of plain messages cannot be updated: logged, resolves.
   * @throws PlatformError (retryable per error-table.ts).
   */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    const pr = ref.platformRef as Partial<CardRef> | undefined;
    if (pr?.kind !== 'card' || !pr.outTrackId) {
      this.log.info({ ref: ref.id }, 'dingtalk ref is not an interactive card; update skipped');
      return;
    }
    const res = await this.api.v1<{ success?: boolean }>('PUT', '/v1.0/card/instances', {
      outTrackId: pr.outTrackId,
      cardData: { cardParamMap: cardParamMap(card) },
      cardUpdateOptions: { updateCardDataByKey: true },
      userIdType: 1,
    });
    if (res && res.success === false) throw new PlatformError('dingtalk card update failed', 'CARD_UPDATE', false);
  }

  // ---- sending helpers ----

  private async batchSend(userIds: string[], title: string, text: string): Promise<string> {
    let key = '';
    for (let i = 0; i < userIds.length; i += BATCH_SEND_MAX) {
      const res = await this.api.v1<{
        processQueryKey?: string;
        invalidStaffIdList?: string[];
        flowControlledStaffIdList?: string[];
      }>('POST', '/v1.0/robot/oToMessages/batchSend', {
        robotCode: this.opts.robotCode,
        userIds: userIds.slice(i, i + BATCH_SEND_MAX),
        msgKey: 'sampleMarkdown',
        msgParam: JSON.stringify({ title, text }),
      });
      if (res?.invalidStaffIdList?.length || res?.flowControlledStaffIdList?.length)
        this.log.warn(
          { invalid: res.invalidStaffIdList, flowControlled: res.flowControlledStaffIdList },
          'dingtalk batchSend did not reach everyone',
        );
      key ||= res?.processQueryKey ?? newId();
    }
    return key;
  }

  private async deliverCard(to: ConversationRef, card: Card, mentions: string[]): Promise<MessageRef> {
    const outTrackId = `${card.id}.${randomBytes(4).toString('hex')}`;
    const base = {
      cardTemplateId: this.opts.cardTemplateId,
      outTrackId,
      callbackType: this.opts.mode === 'stream' ? 'STREAM' : 'HTTP',
      ...(this.opts.mode === 'http' && this.opts.cardCallbackRouteKey
        ? { callbackRouteKey: this.opts.cardCallbackRouteKey }
        : {}),
      cardData: { cardParamMap: cardParamMap(card) },
      userIdType: 1,
    };
    const space = to.chatId
      ? {
          openSpaceId: `dtv1.card//IM_GROUP.${to.chatId}`,
          imGroupOpenSpaceModel: { supportForward: true },
          imGroupOpenDeliverModel: {
            robotCode: this.opts.robotCode,
            ...(mentions.length ? { atUserIds: Object.fromEntries(mentions.map((u) => [u, u])) } : {}),
          },
        }
      : to.userId
        ? {
            openSpaceId: `dtv1.card//IM_ROBOT.${to.userId}`,
            imRobotOpenSpaceModel: { supportForward: true },
            imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.opts.robotCode },
          }
        : undefined;
    if (!space) throw new PlatformError('dingtalk card needs a chatId or a userId', 'NO_TARGET', false);
    const res = await this.api.v1<{
      success?: boolean;
      result?: { deliverResults?: Array<{ success?: boolean; errorMsg?: string; spaceId?: string }> };
    }>('POST', '/v1.0/card/instances/createAndDeliver', { ...base, ...space });
    const failed = (res?.result?.deliverResults ?? []).filter((d) => d.success !== true);
    if (res?.success === false || failed.length || !res?.result?.deliverResults?.length) {
      throw new PlatformError(
        `dingtalk card not delivered: ${failed.map((d) => d.errorMsg ?? 'unknown').join('; ') || 'no deliverResults'}`,
        'CARD_DELIVER',
        false,
      );
    }
    const ref: CardRef = { kind: 'card', outTrackId };
    return { platform: 'dingtalk', id: outTrackId, platformRef: ref };
  }

  /**
   * Reply in the conversation of a message: cards by API, text by sessionWebhook while valid, else
   * API. Always resolves to a ref of what was sent (the card's when there is one), so the hub can
   * mark the reply's outbox row sent. @throws PlatformError when neither path delivered.
   */
  private async replyTo(p: ParsedRobotMessage, m: OutboundMessage): Promise<MessageRef> {
    const to: ConversationRef = p.chatId
      ? { platform: 'dingtalk', chatId: p.chatId }
      : { platform: 'dingtalk', userId: p.userId };
    if (m.card && this.opts.cardTemplateId) {
      if (m.text.trim()) await this.replyTo(p, { text: m.text, mentions: m.mentions });
      return this.deliverCard(to, m.card, m.mentions ?? []);
    }
    const hook = this.sessionWebhookOf(p);
    if (hook) {
      const r = renderText(m, true);
      try {
        await this.api.oapiPost(
          hook,
          {
            msgtype: 'markdown',
            markdown: { title: r.title, text: r.text },
            at: { atUserIds: r.atUserIds, isAtAll: false },
          },
          'sessionWebhook reply',
        );
        // a ref, so the hub marks the outbox row sent (a void reply would hand it to the worker: posted twice)
        return { platform: 'dingtalk', id: `session-${newId()}`, platformRef: { kind: 'session', ...to } };
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, eventId: p.eventId },
          'sessionWebhook reply failed; using the OpenAPI',
        );
      }
    }
    return this.send(to, m);
  }

  /** The message's sessionWebhook if on the oapi origin and not (about to be) expired. */
  private sessionWebhookOf(p: ParsedRobotMessage): string | undefined {
    if (!p.sessionWebhook) return undefined;
    if (
      p.sessionWebhookExpiredTime !== undefined &&
      p.sessionWebhookExpiredTime - SESSION_WEBHOOK_MARGIN_MS < this.now()
    )
      return undefined;
    try {
      if (new URL(p.sessionWebhook).origin !== new URL(this.opts.oapiBase).origin) {
        this.log.warn({ eventId: p.eventId }, 'sessionWebhook not on the oapi origin; ignored');
        return undefined;
      }
    } catch {
      return undefined;
    }
    return p.sessionWebhook;
  }

  // ---- receiving ----

  /** Stream frame: parse, persist (dedupe), acknowledge, then handle. */
  private async onStreamFrame(frame: DWClientDownStream, ack: (response: unknown) => void): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(frame.data);
    } catch {
      this.log.warn({ messageId: frame.headers.messageId }, 'dingtalk stream frame data is not JSON; acknowledged');
      ack({});
      return;
    }
    const card = frame.headers.topic === TOPIC_CARD;
    const parsed = card ? parseCardCallback(body) : parseRobotMessage(body, this.opts.botName);
    if (parsed.kind === 'invalid') {
      this.log.info({ reason: parsed.reason, topic: frame.headers.topic }, 'dingtalk stream frame ignored');
      ack(card ? {} : { success: true });
      return;
    }
    if (!this.sink) {
      this.log.warn('dingtalk frame before init: not acknowledged (it will be re-pushed)');
      return;
    }
    const first = await this.opts.dedupe.firstSeen('dingtalk', parsed.eventId);
    ack(card ? {} : { success: true });
    if (!first) {
      this.log.info({ eventId: parsed.eventId }, 'dingtalk duplicate acknowledged, not handed over');
      return;
    }
    await this.track(this.handle(parsed));
  }

  /** HTTP callback: sign check, parse, persist (dedupe), answer 200, then handle in the background. */
  private async httpCallback(ctx: Context, kind: 'robot' | 'card'): Promise<void> {
    if (!this.sink) throw new NotReadyError('dingtalk adapter not initialised (init(sink) not called)');
    const header = (n: string) => (typeof ctx.headers[n] === 'string' ? (ctx.headers[n] as string) : undefined);
    verifyCallbackSign(
      this.opts.clientSecret,
      header('timestamp'),
      header('sign'),
      this.now(),
      this.opts.callbackWindowMs,
    );
    const body = await readJson(ctx);
    const parsed = kind === 'card' ? parseCardCallback(body) : parseRobotMessage(body, this.opts.botName);
    if (parsed.kind === 'invalid') throw new BadRequestError(parsed.reason);
    if (!(await this.opts.dedupe.firstSeen('dingtalk', parsed.eventId))) {
      this.log.info({ eventId: parsed.eventId }, 'dingtalk duplicate callback acknowledged, not handed over');
      ctx.status = 200;
      ctx.body = {};
      return;
    }
    ctx.status = 200;
    ctx.body = {};
    void this.track(this.handle(parsed));
  }

  /** Builds the neutral event and hands it to the sink; a failing handler gets an apology. */
  private async handle(p: ParsedRobotMessage | ParsedCardClick): Promise<void> {
    const sink = this.sink!;
    let event: InboundEvent;
    if (p.kind === 'message') {
      if (!p.supported) {
        await this.replyTo(p, { text: TEXT_UNSUPPORTED }).catch((err) =>
          this.log.warn({ err: (err as Error).message }, 'dingtalk hint not delivered'),
        );
        return;
      }
      event = {
        type: 'message',
        platform: 'dingtalk',
        eventId: p.eventId,
        chatId: p.chatId,
        userId: p.userId,
        userName: p.userName,
        at: this.now(),
        text: p.text,
        reply: (m) => this.replyTo(p, m),
      };
    } else {
      const ref: MessageRef = {
        platform: 'dingtalk',
        id: p.outTrackId,
        platformRef: { kind: 'card', outTrackId: p.outTrackId },
      };
      event = {
        type: 'card.action',
        platform: 'dingtalk',
        eventId: p.eventId,
        userId: p.userId,
        at: this.now(),
        cardId: p.cardId,
        key: p.key,
        clickedRefId: p.outTrackId,
        // A click carries no conversation: texts go 1:1 to the clicker.
        reply: (m) => this.send({ platform: 'dingtalk', userId: p.userId }, { ...m, card: undefined }),
        // The hub updates the clicked card after the command's commit (issue 14), so the card never
        // shows a change the database does not have; a failure throws, and the hub leaves the
        // update to the delivery worker instead of counting it as carried.
        updateCard: (c) => this.updateCard(ref, c),
      };
    }
    try {
      await sink(event);
    } catch (err) {
      this.log.error({ err, eventId: p.eventId }, 'dingtalk event handler failed');
      await event.reply({ text: TEXT_APOLOGY }).catch(() => undefined);
    }
  }

  private async guard(ctx: Context, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof CodedError && err.status < 500) {
        if (err.status === 401) this.log.warn({ ip: ctx.ip, reason: err.message }, 'dingtalk callback rejected');
        else this.log.info({ ip: ctx.ip, reason: err.message }, 'dingtalk callback bad request');
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.message };
        return;
      }
      this.log.error({ err }, 'dingtalk callback failed');
      ctx.status = err instanceof CodedError ? err.status : 500;
      ctx.body = { error: err instanceof CodedError ? err.code : 'INTERNAL', message: 'internal error' };
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }
}

/** Reads a JSON request body (≤ 1 MB). @throws BadRequestError for a bad or oversized body. */
async function readJson(ctx: Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('body too large');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequestError('body is not JSON');
  }
}

function newId(): string {
  return randomBytes(8).toString('hex');
}
