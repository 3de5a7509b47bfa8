/**
 * The WeCom self-built app (自建应用) [90930, 91144, 90236, 94888] (wecom.md §1a, §2, §3): 1:1
 * messages and button cards through `message/send`, card updates through
 * `message/update_template_card`, and the app's XML callback at `/callbacks/wecom/app`.
 *
 * Callback: GET = URL check (signature over echostr, decrypt, answer the plaintext raw); POST =
 * verify the signature over `<Encrypt>` (401), the timestamp window (401), decrypt with the CorpID
 * as receiveid (a frame for another corp: 401), parse the XML (strings only, no entities), dedupe
 * (MsgId as a string; events on FromUserName+CreateTime+Event+EventKey/TaskId) through the inbound
 * claims, then hand the event to the hub and answer 200 with an empty body as soon as it is
 * handled or after `handlerWaitMs` (WeCom retries after 5 s: wecom.md §5, §6.1). Replies go out
 * by `message/send`; the hub updates the clicked card after the command's commit through the
 * event's `updateCard`, which spends the click's `ResponseCode`.
 *
 * Card updates are single-use: a `response_code` (from the send, or from a click) updates one
 * card once, within 72 h [94888] (wecom.md §8.3). Each code is claimed once in PostgreSQL through
 * the inbound claims (`responseCodes`), so across restarts and instances a code is never spent
 * twice; `updateCard` on a spent or expired code throws `CardNotUpdatableError` (src/errors.ts),
 * and the delivery worker posts the new state as a new message instead (issue 14's card-update rows).
 */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import {
  BadRequestError,
  CardNotUpdatableError,
  CodedError,
  ConfigError,
  NotReadyError,
  StaleError,
} from '../../../../errors.js';
import type { Card, EventDedupe, EventSink, InboundEvent, MessageRef, OutboundMessage } from '../../../types.js';
import { aesKeyBytes, decryptMessage, verifySignature } from '../crypto.js';
import { readTextBody } from '../http-body.js';
import { appCard, appMessageBody, cardIdOfTask, taskIdFor } from './render-app.js';
import type { WeComAppApi } from './WeComAppApi.js';
import { field, parseWeComXml, toAppCallback, type AppCallback } from './xml.js';

/** Default callback path. */
export const WECOM_APP_CALLBACK_PATH = '/callbacks/wecom/app';
/** Validity of a response_code, ms: 72 h [94888] (older sources: 24 h, wecom.md §3). */
export const RESPONSE_CODE_TTL_MS = 72 * 3600_000;
/** Dedupe namespace of spent response codes (one claim per code). */
const CODE_CLAIMS = 'wecom-app-code';
/** A claim on a code whose update never finished (a crash) may be taken again after this long, ms. */
const CODE_RETAKE_MS = 60_000;
/** Chinese answer to a message type the app does not handle. */
export const APP_TEXT_UNSUPPORTED = '暂只支持文字命令，例如：/帮助';

/** Where an app message went, as stored in `card_refs` (`MessageRef.platformRef`). */
export interface AppMessageRef {
  via: 'app';
  userId: string;
  /** The task_id of the card (unique per send). */
  taskId?: string;
  /** The send's single-use response_code (cards only). */
  responseCode?: string;
  /** When it was issued, ms since epoch (validity: 72 h). */
  issuedAt?: number;
}

/** Options of `WeComApp`. */
export interface WeComAppOptions {
  api: WeComAppApi;
  /** CorpID: the receiveid every callback frame must carry (WECOM_CORP_ID). */
  corpId: string;
  /** AgentId of the app (WECOM_AGENT_ID). */
  agentId: number;
  /** Callback Token (WECOM_APP_TOKEN). Secret. */
  token: string;
  /** 43-char EncodingAESKey (WECOM_APP_ENCODING_AES_KEY). Secret. */
  encodingAESKey: string;
  /** Accepted |now − timestamp| of a callback, seconds. */
  callbackWindowSeconds: number;
  /** How long a callback waits for its handler before answering 200 anyway, ms (< 5000). */
  handlerWaitMs: number;
  dedupe: EventDedupe;
  logger: Logger;
  /** WeCom userid → display name, for `@姓名` in 1:1 texts. */
  nameOf?: (userId: string) => string | undefined;
  path?: string;
  now?: () => number;
}

export class WeComApp {
  private sink?: EventSink;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<unknown>>();

  /** @throws ConfigError for an empty token or CorpID, or an EncodingAESKey that is not 43 base64 chars. */
  constructor(private readonly opts: WeComAppOptions) {
    if (!opts.token || !opts.corpId) throw new ConfigError('WeCom app token and CorpID must be set');
    aesKeyBytes(opts.encodingAESKey);
    this.log = opts.logger.child({ adapter: 'wecom-app' });
    this.now = opts.now ?? Date.now;
  }

  init(sink: EventSink): void {
    this.sink = sink;
  }

  routes(router: Router): void {
    const path = this.opts.path ?? WECOM_APP_CALLBACK_PATH;
    router.get(path, (ctx) => this.guard(ctx, () => this.verifyUrl(ctx)));
    router.post(path, (ctx) => this.guard(ctx, () => this.callback(ctx)));
  }

  /** Resolves when every handler and card update started so far has settled. */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Sends `m` 1:1 to `userId` by `message/send` (text, or one template card); the ref keeps the
   * card's response_code for one later update.
   * @throws PlatformError per the errcode table (81013 when the user is not valid for the app).
   */
  async send(userId: string, m: OutboundMessage): Promise<MessageRef> {
    const taskId = m.card?.buttons.length ? taskIdFor(m.card.id) : undefined;
    const r = await this.opts.api.sendMessage({
      touser: userId,
      agentid: this.opts.agentId,
      ...appMessageBody(m, (u) => this.opts.nameOf?.(u), taskId),
      enable_duplicate_check: 0,
    });
    if (r.invaliduser) this.log.warn({ invaliduser: r.invaliduser }, 'wecom app message: recipient not accepted');
    const ref: AppMessageRef = {
      via: 'app',
      userId,
      ...(taskId ? { taskId } : {}),
      ...(r.response_code ? { responseCode: r.response_code, issuedAt: this.now() } : {}),
    };
    // a card's ref id is its task_id, which its clicks carry (`clickedRefId`)
    return { platform: 'wecom', id: refIdOf(taskId ?? r.msgid ?? randomBytes(8).toString('hex')), platformRef: ref };
  }

  /**
   * Updates the card of `ref` (an app card) to `card` with its single-use response_code.
   * @throws CardNotUpdatableError when the ref has no code, it is older than 72 h, or it was spent
   *   (here or in another instance); PlatformError per the errcode table for the call itself.
   */
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    const r = ref.platformRef as AppMessageRef | undefined;
    if (!r?.responseCode) throw new CardNotUpdatableError('WeCom app card: no response_code');
    await this.updateWithCode(r.userId, r.responseCode, r.issuedAt ?? 0, r.taskId ?? taskIdFor(card.id), card);
  }

  private async updateWithCode(
    userId: string,
    code: string,
    issuedAt: number,
    taskId: string,
    card: Card,
    replaceText?: string,
  ): Promise<void> {
    if (this.now() - issuedAt > RESPONSE_CODE_TTL_MS)
      throw new CardNotUpdatableError('WeCom app card: response_code expired (72 h)');
    if (!(await this.opts.dedupe.firstSeen(CODE_CLAIMS, code, { retakeAfterMs: CODE_RETAKE_MS })))
      throw new CardNotUpdatableError('WeCom app card: response_code already used');
    await this.opts.api.updateTemplateCard({
      userids: [userId],
      agentid: this.opts.agentId,
      response_code: code,
      template_card: appCard(card, taskId, undefined, replaceText),
    });
    await this.opts.dedupe.handled?.(CODE_CLAIMS, code);
  }

  private async guard(ctx: Context, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const coded = err instanceof CodedError;
      const status = coded ? err.status : 500;
      if (status === 401) this.log.warn({ ip: ctx.ip, reason: (err as Error).message }, 'wecom app callback rejected');
      else if (status < 500) this.log.info({ ip: ctx.ip, reason: (err as Error).message }, 'wecom app callback bad');
      else this.log.error({ err }, 'wecom app callback failed');
      ctx.status = status;
      ctx.body = {
        error: coded ? err.code : 'INTERNAL',
        message: status < 500 ? (err as Error).message : 'internal error',
      };
    }
  }

  private query(ctx: Context, extra?: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of ['msg_signature', 'timestamp', 'nonce', ...(extra ? [extra] : [])]) {
      const v = ctx.query[name];
      if (typeof v !== 'string' || !v) throw new BadRequestError(`missing query parameter ${name}`);
      out[name] = v;
    }
    if (!/^\d{1,12}$/.test(out.timestamp)) throw new BadRequestError('timestamp must be unix seconds');
    if (Math.abs(this.now() / 1000 - Number(out.timestamp)) > this.opts.callbackWindowSeconds)
      throw new StaleError('timestamp outside the accepted window');
    return out;
  }

  /** GET: URL check [90930]: the plaintext of echostr, raw (no quotes, BOM or newline). */
  private async verifyUrl(ctx: Context): Promise<void> {
    const q = this.query(ctx, 'echostr');
    const echostr = q.echostr.replace(/ /g, '+');
    verifySignature(this.opts.token, q.timestamp, q.nonce, echostr, q.msg_signature);
    const plain = decryptMessage(this.opts.encodingAESKey, echostr, this.opts.corpId);
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = plain;
  }

  /** POST: a message or event. */
  private async callback(ctx: Context): Promise<void> {
    if (!this.sink) throw new NotReadyError('wecom app not initialised (init(sink) not called)');
    const q = this.query(ctx);
    const outer = parseWeComXml(await readTextBody(ctx));
    const encrypted = field(outer, 'Encrypt');
    if (!encrypted) throw new BadRequestError('body must be <xml><Encrypt>…</Encrypt></xml>');
    verifySignature(this.opts.token, q.timestamp, q.nonce, encrypted, q.msg_signature);
    const parsed = toAppCallback(parseWeComXml(decryptMessage(this.opts.encodingAESKey, encrypted, this.opts.corpId)));
    if (parsed.agentId && parsed.agentId !== String(this.opts.agentId))
      throw new BadRequestError('callback for another AgentID');
    const first = await this.opts.dedupe.firstSeen('wecom', parsed.eventId, {
      retakeAfterMs: this.opts.handlerWaitMs,
    });
    ctx.status = 200;
    ctx.body = '';
    if (!first) {
      this.log.info({ eventId: parsed.eventId }, 'wecom app duplicate callback acknowledged, not handed over');
      return;
    }
    if (parsed.kind === 'ignored' || parsed.kind === 'unsupported') {
      this.markHandled(parsed.eventId);
      this.log.debug({ eventId: parsed.eventId, parsed }, 'wecom app callback not handled');
      if (parsed.kind === 'unsupported')
        this.track(this.send(parsed.userId, { text: APP_TEXT_UNSUPPORTED }).catch((err) => this.logFail(err)));
      return;
    }
    await this.dispatch(parsed);
  }

  /** Hands the event to the hub; waits for it up to `handlerWaitMs` (a crash before that is retried by WeCom). */
  private async dispatch(parsed: Extract<AppCallback, { kind: 'text' | 'card' }>): Promise<void> {
    const sink = this.sink!;
    const base = {
      platform: 'wecom' as const,
      eventId: parsed.eventId,
      userId: parsed.userId,
      at: this.now(),
      reply: (m: OutboundMessage) => this.send(parsed.userId, m),
    };
    const event: InboundEvent =
      parsed.kind === 'text'
        ? { ...base, type: 'message', text: parsed.text }
        : {
            ...base,
            type: 'card.action',
            cardId: cardIdOfTask(parsed.taskId),
            key: parsed.key,
            clickedRefId: refIdOf(parsed.taskId),
            // called by the hub after the command's commit: the clicked copy shows the outcome, its
            // buttons replaced, with the click's single-use code (none: the worker posts it anew)
            updateCard: async (c: Card) => {
              if (!parsed.responseCode) throw new CardNotUpdatableError('WeCom app click without ResponseCode');
              await this.updateWithCode(parsed.userId, parsed.responseCode, this.now(), parsed.taskId, c, '已处理');
            },
          };
    const handled = this.track(
      (async () => {
        try {
          await sink(event);
        } catch (err) {
          this.log.error({ err, eventId: parsed.eventId }, 'wecom app event handler failed');
        } finally {
          this.markHandled(parsed.eventId);
        }
      })(),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([handled, new Promise<void>((r) => (timer = setTimeout(r, this.opts.handlerWaitMs)))]);
    clearTimeout(timer);
  }

  private markHandled(eventId: string): void {
    const done = this.opts.dedupe.handled?.('wecom', eventId);
    if (done) this.track(done.catch((err: unknown) => this.log.debug({ err: (err as Error).message }, 'not marked')));
  }

  private logFail(err: unknown): void {
    this.log.warn({ err: (err as Error).message }, 'wecom app call failed');
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }
}

/** The stored ref id of an app message: `app-<task_id>` for a card (its clicks carry the task_id), else `app-<msgid>`. */
function refIdOf(taskOrMsgId: string): string {
  return `app-${taskOrMsgId}`;
}
