/**
 * A fake DingTalk over real HTTP + WebSocket on 127.0.0.1 (one port serves the api and oapi hosts;
 * point DINGTALK_API_BASE and DINGTALK_OAPI_BASE at `baseUrl`). Behaviour per dingtalk.md:
 * - `POST /v1.0/oauth2/accessToken` (§2): checks appKey/appSecret; tokens expire after `tokenTtlSec`
 *   (or at once with `expireTokens()`); v1.0 calls with a bad token → 400 `InvalidAuthentication`.
 * - `POST /robot/sendBySession?session=…` (§2): only sessions this fake issued, until they expire
 *   (the errcode for an expired session is not in the brief: `FAKE_ERR_SESSION_EXPIRED`).
 * - `POST /v1.0/robot/groupMessages/send`, `/v1.0/robot/oToMessages/batchSend` (§2): robotCode, msgKey,
 *   msgParam (JSON string <= 15,000 bytes), <= 20 userIds; answers `processQueryKey`.
 * - `POST /robot/send?access_token=&timestamp=&sign=` (custom robot, §2): signature checked (310000),
 *   20 per minute per robot, beyond → errcode 130101; answers HTTP 200 `{errcode, errmsg}`.
 * - `POST /v1.0/card/instances/createAndDeliver`, `PUT /v1.0/card/instances` (§3): template id known,
 *   `cardParamMap` keys declared by the template and string-valued (else 500 `unknownError`, §6.8).
 * - Stream (§1b): `POST /v1.0/gateway/connections/open` → `{endpoint, ticket}` (single use, 90 s);
 *   WebSocket `/connect?ticket=`; `push()` CALLBACK frames, re-pushed to an open connection until
 *   acknowledged (`redeliverMs`); `ping()`, `sendDisconnect()`, `silence()`, `dropConnections()`.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { dingtalkSign } from '../../../src/bot/adapters/dingtalk/sign.js';
import { waitForRecord } from '../wecom/wait-for.js';

export const FAKE_ERR_SESSION_EXPIRED = 300_099;
const TICKET_TTL_MS = 90_000;
const MSG_PARAM_MAX_BYTES = 15_000;

/** One request the fake answered. */
export interface FakeRecord {
  kind:
    | 'token'
    | 'session'
    | 'groupSend'
    | 'batchSend'
    | 'customRobot'
    | 'cardCreate'
    | 'cardUpdate'
    | 'gateway'
    | 'ack';
  body: any;
  /** HTTP status answered. */
  status: number;
  /** errcode (oapi) or code (v1.0) answered; 0 / undefined on success. */
  error?: number | string;
  at: number;
}

export interface FakeDingTalkOptions {
  appKey: string;
  appSecret: string;
  robotCode: string;
  /** Card template id → the cardParamMap keys it declares. */
  templates?: Record<string, readonly string[]>;
  /** Custom robots: access_token → secret. */
  customRobots?: Record<string, string>;
  tokenTtlSec?: number;
  customRobotPerMinute?: number;
  /** Re-push an unacknowledged CALLBACK frame after this long, ms (real: 16–60 s). */
  redeliverMs?: number;
}

interface Pending {
  frame: Record<string, any>;
  timer?: NodeJS.Timeout;
}

export class FakeDingTalk {
  readonly received: FakeRecord[] = [];
  private readonly events = new EventEmitter();
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly tickets = new Map<string, number>();
  private readonly robotSends = new Map<string, number[]>();
  private readonly injected = new Map<FakeRecord['kind'], number>();
  readonly cards = new Map<string, { templateId: string; params: Record<string, string>; body: any }>();
  readonly sockets = new Set<WebSocket>();
  private readonly pending = new Map<string, Pending>();
  /** How many Stream connections were accepted. */
  connectionsOpened = 0;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly baseUrl: string,
    private readonly opts: FakeDingTalkOptions,
  ) {}

  static async start(opts: FakeDingTalkOptions): Promise<FakeDingTalk> {
    let fake: FakeDingTalk | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => fake!.upgrade(req, socket, head));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    fake = new FakeDingTalk(server, wss, `http://127.0.0.1:${port}`, opts);
    return fake;
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  /** The first record (past or future) matching `pred`. */
  waitFor(pred: (r: FakeRecord) => boolean, timeoutMs = 5000): Promise<FakeRecord> {
    return waitForRecord(this.received, this.events, 'record', pred, timeoutMs, 'FakeDingTalk');
  }

  /**
   * Resolves when `cond()` holds; re-checked whenever the fake records a request or a Stream
   * connection opens or closes (event-driven, no polling). Rejects after `timeoutMs`.
   */
  until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.events.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('change', check);
        reject(new Error(`FakeDingTalk.until: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('change', check);
    });
  }

  /** Records of one kind. */
  /** The next `times` v1.0 calls of `kind` fail with HTTP 503 `ServiceUnavailable` (a transient server error, dingtalk.md §6). */
  failNext(kind: FakeRecord['kind'], times = 1): void {
    this.injected.set(kind, times);
  }

  of(kind: FakeRecord['kind']): FakeRecord[] {
    return this.received.filter((r) => r.kind === kind);
  }

  /** A sessionWebhook URL valid until `expiresAt` (ms epoch). */
  issueSession(expiresAt = Date.now() + 90 * 60_000): string {
    const s = randomBytes(8).toString('hex');
    this.sessions.set(s, expiresAt);
    return `${this.baseUrl}/robot/sendBySession?session=${s}`;
  }

  /** Makes every issued access token invalid (as if expired). */
  expireTokens(): void {
    this.tokens.clear();
  }

  // ---- Stream ----

  /** Pushes a CALLBACK frame on `topic` to one open connection; re-pushed until acknowledged. @returns messageId. */
  push(topic: string, data: unknown, messageId = `msg-${randomBytes(6).toString('hex')}`): string {
    const frame = {
      specVersion: '1.0',
      type: 'CALLBACK',
      headers: {
        messageId,
        topic,
        contentType: 'application/json',
        time: String(Date.now()),
        appId: this.opts.appKey,
        connectionId: 'fake',
      },
      data: JSON.stringify(data),
    };
    this.pending.set(messageId, { frame });
    this.deliver(messageId);
    return messageId;
  }

  /** Whether a pushed frame is still unacknowledged. */
  unacked(messageId: string): boolean {
    return this.pending.has(messageId);
  }

  /** A SYSTEM ping frame to every connection (the SDK answers it). */
  ping(): void {
    this.broadcast({ specVersion: '1.0', type: 'SYSTEM', headers: { topic: 'ping', messageId: rid() }, data: '{}' });
  }

  /** The `disconnect` system frame; the sockets are closed `closeAfterMs` later (real: ~10 s). */
  sendDisconnect(closeAfterMs = 1000): void {
    const victims = [...this.sockets];
    this.broadcast({
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: { topic: 'disconnect', messageId: rid() },
      data: '{}',
    });
    setTimeout(() => {
      for (const s of victims) s.close();
    }, closeAfterMs).unref();
  }

  /**
   * Open connections go silent: nothing is sent, nothing read or answered (not even WebSocket pongs),
   * nothing closed — a half-open connection (dingtalk.md §7.1).
   */
  silence(): void {
    for (const s of this.sockets) {
      (s as unknown as { _fakeSilent: boolean })._fakeSilent = true;
      (s as unknown as { _socket: import('node:net').Socket })._socket.pause();
    }
  }

  /** Open connections that are not silenced (a silenced one never reads the client's close). */
  liveConnections(): number {
    return [...this.sockets].filter((s) => !isSilent(s)).length;
  }

  /** Terminates every open connection without a close frame. */
  dropConnections(): void {
    for (const s of this.sockets) s.terminate();
  }

  private deliver(messageId: string): void {
    const p = this.pending.get(messageId);
    if (!p) return;
    const open = [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN && !isSilent(s));
    if (open.length) open[Math.floor(Math.random() * open.length)].send(JSON.stringify(p.frame));
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.deliver(messageId), this.opts.redeliverMs ?? 1500);
    p.timer.unref();
  }

  private broadcast(frame: unknown): void {
    for (const s of this.sockets) if (s.readyState === WebSocket.OPEN && !isSilent(s)) s.send(JSON.stringify(frame));
  }

  private upgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const ticket = url.searchParams.get('ticket') ?? '';
    const exp = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (url.pathname !== '/connect' || !exp || exp < Date.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      this.connectionsOpened++;
      this.events.emit('change');
      ws.on('close', () => {
        this.sockets.delete(ws);
        this.events.emit('change');
      });
      ws.on('message', (raw) => {
        let msg: { headers?: { messageId?: string }; data?: string };
        try {
          msg = JSON.parse(String(raw));
        } catch {
          return;
        }
        const id = msg.headers?.messageId;
        if (!id) return;
        const p = this.pending.get(id);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(id);
          this.record({ kind: 'ack', body: { messageId: id, data: msg.data }, status: 200 });
        }
      });
      ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'SYSTEM',
          headers: { topic: 'CONNECTED', messageId: rid() },
          data: '{}',
        }),
      );
      // Frames still pending go to the new connection at once (redelivery after a reconnect).
      for (const id of this.pending.keys()) this.deliver(id);
    });
  }

  // ---- HTTP ----

  private record(r: Omit<FakeRecord, 'at'>): FakeRecord {
    const full = { ...r, at: Date.now() };
    this.received.push(full);
    this.events.emit('record', full);
    this.events.emit('change');
    return full;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: any;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    } catch {
      return json(res, 400, { code: 'invalidParameter.body', message: 'not JSON' });
    }
    const url = new URL(req.url ?? '/', this.baseUrl);
    const route = `${req.method} ${url.pathname}`;
    const answer = (kind: FakeRecord['kind'], status: number, out: any, error?: number | string) => {
      this.record({ kind, body, status, error });
      json(res, status, out);
    };
    const oapi = (kind: FakeRecord['kind'], errcode: number, errmsg = 'ok') =>
      answer(kind, 200, { errcode, errmsg }, errcode || undefined);
    const v1Error = (kind: FakeRecord['kind'], status: number, code: string) =>
      answer(kind, status, { code, message: code, requestid: rid() }, code);

    if (route === 'POST /v1.0/oauth2/accessToken') {
      if (body?.appKey !== this.opts.appKey || body?.appSecret !== this.opts.appSecret)
        return v1Error('token', 400, 'invalidClientIdOrSecret');
      const t = `tok-${rid()}`;
      const ttl = this.opts.tokenTtlSec ?? 7200;
      this.tokens.set(t, Date.now() + ttl * 1000);
      return answer('token', 200, { accessToken: t, expireIn: ttl });
    }
    if (route === 'POST /v1.0/gateway/connections/open') {
      if (body?.clientId !== this.opts.appKey || body?.clientSecret !== this.opts.appSecret)
        return v1Error('gateway', 400, 'invalidClientIdOrSecret');
      const ticket = rid();
      this.tickets.set(ticket, Date.now() + TICKET_TTL_MS);
      return answer('gateway', 200, { endpoint: `${this.baseUrl.replace('http', 'ws')}/connect`, ticket });
    }
    if (route === 'POST /robot/sendBySession') {
      const exp = this.sessions.get(url.searchParams.get('session') ?? '');
      if (!exp || exp < Date.now()) return oapi('session', FAKE_ERR_SESSION_EXPIRED, 'session expired');
      return oapi('session', atError(body) ?? 0);
    }
    if (route === 'POST /robot/send') {
      const token = url.searchParams.get('access_token') ?? '';
      const secret = this.opts.customRobots?.[token];
      if (!secret) return oapi('customRobot', 300001, 'token is not exist');
      const ts = url.searchParams.get('timestamp') ?? '';
      if (url.searchParams.get('sign') !== dingtalkSign(secret, ts) || Math.abs(Date.now() - Number(ts)) > 3_600_000)
        return oapi('customRobot', 310000, 'sign not match');
      const recent = (this.robotSends.get(token) ?? []).filter((t) => t > Date.now() - 60_000);
      if (recent.length >= (this.opts.customRobotPerMinute ?? 20))
        return oapi('customRobot', 130101, 'send too fast, exceed 20 times per minute');
      recent.push(Date.now());
      this.robotSends.set(token, recent);
      return oapi('customRobot', atError(body) ?? 0);
    }
    // v1.0 calls with a token from here on.
    const token = req.headers['x-acs-dingtalk-access-token'];
    const exp = typeof token === 'string' ? this.tokens.get(token) : undefined;
    const kindOf: Record<string, FakeRecord['kind']> = {
      'POST /v1.0/robot/groupMessages/send': 'groupSend',
      'POST /v1.0/robot/oToMessages/batchSend': 'batchSend',
      'POST /v1.0/card/instances/createAndDeliver': 'cardCreate',
      'PUT /v1.0/card/instances': 'cardUpdate',
    };
    const kind = kindOf[route];
    if (!kind) return json(res, 404, { code: 'NotFound', message: route });
    if (!exp || exp < Date.now()) return v1Error(kind, 400, 'InvalidAuthentication');
    const failures = this.injected.get(kind) ?? 0;
    if (failures > 0) {
      this.injected.set(kind, failures - 1);
      return v1Error(kind, 503, 'ServiceUnavailable');
    }
    if (kind === 'groupSend' || kind === 'batchSend') {
      if (body?.robotCode !== this.opts.robotCode) return v1Error(kind, 400, 'invalidParameter.robotCode.auth');
      if (!['sampleText', 'sampleMarkdown', 'sampleActionCard'].includes(body?.msgKey))
        return v1Error(kind, 400, 'invalidParameter.msgKey');
      if (typeof body?.msgParam !== 'string' || Buffer.byteLength(body.msgParam) > MSG_PARAM_MAX_BYTES)
        return v1Error(kind, 400, 'invalidParameter.msgParam.invalid');
      try {
        JSON.parse(body.msgParam);
      } catch {
        return v1Error(kind, 400, 'invalidParameter.msgParam.invalid');
      }
      if (kind === 'groupSend') {
        if (!String(body.openConversationId ?? '').startsWith('cid'))
          return v1Error(kind, 400, 'invalidParameter.openConversationId');
        return answer(kind, 200, { processQueryKey: rid() });
      }
      if (!Array.isArray(body.userIds) || body.userIds.length === 0 || body.userIds.length > 20)
        return v1Error(kind, 400, 'invalidParameter.userIds');
      return answer(kind, 200, { processQueryKey: rid(), invalidStaffIdList: [], flowControlledStaffIdList: [] });
    }
    const params = body?.cardData?.cardParamMap;
    if (kind === 'cardCreate') {
      const fields = this.opts.templates?.[body?.cardTemplateId];
      if (!fields) return v1Error(kind, 400, 'invalidParameter.cardTemplateId');
      if (!paramsOk(params, fields)) return v1Error(kind, 500, 'unknownError');
      if (!['STREAM', 'HTTP'].includes(body.callbackType)) return v1Error(kind, 400, 'invalidParameter.callbackType');
      const space = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/.exec(String(body.openSpaceId ?? ''));
      if (!space || !body.outTrackId) return v1Error(kind, 400, 'invalidParameter.openSpaceId');
      const model = space[1] === 'IM_GROUP' ? body.imGroupOpenDeliverModel : body.imRobotOpenDeliverModel;
      if (model?.robotCode !== this.opts.robotCode) return v1Error(kind, 400, 'invalidParameter.robotCode.auth');
      this.cards.set(body.outTrackId, { templateId: body.cardTemplateId, params: { ...params }, body });
      return answer(kind, 200, {
        success: true,
        result: {
          outTrackId: body.outTrackId,
          deliverResults: [{ spaceType: space[1], spaceId: space[2], success: true }],
        },
      });
    }
    // cardUpdate
    const card = this.cards.get(body?.outTrackId);
    if (!card) return v1Error(kind, 400, 'invalidParameter.outTrackId');
    if (!paramsOk(params, this.opts.templates?.[card.templateId] ?? [])) return v1Error(kind, 500, 'unknownError');
    Object.assign(card.params, params);
    return answer(kind, 200, { success: true, result: true });
  }
}

/** `at.atUserIds` must be an array of strings when present. */
function atError(body: any): number | undefined {
  const ids = body?.at?.atUserIds;
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((x: unknown) => typeof x !== 'string'))) return 40035;
  return undefined;
}

function paramsOk(params: unknown, fields: readonly string[]): boolean {
  if (!params || typeof params !== 'object') return false;
  return Object.entries(params).every(([k, v]) => fields.includes(k) && typeof v === 'string');
}

function isSilent(s: WebSocket): boolean {
  return (s as unknown as { _fakeSilent?: boolean })._fakeSilent === true;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function rid(): string {
  return randomBytes(8).toString('hex');
}
