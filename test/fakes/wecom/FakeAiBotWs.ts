/**
 * The AI bot's long connection [101463] on the fake WeCom server (wecom.md §1c), on the same port:
 * `ws://127.0.0.1:<port>/` (FakeWeComServer.wsUrl). Frames `{cmd, headers:{req_id}, body}`;
 * answers `{headers:{req_id}, errcode, errmsg}`.
 * - `aibot_subscribe {bot_id, secret}`: unknown bot or wrong secret → 40001 (bad secret, §5). A second
 *   connection subscribing the same bot evicts the first: it gets an `aibot_event_callback` with
 *   `disconnected_event` and is closed (§1c, §8.1).
 * - `ping`: acknowledged (846609 when the connection is not subscribed).
 * - callbacks: `deliverMessage` / `deliverEvent` push `aibot_msg_callback` / `aibot_event_callback`
 *   to the bot's current connection with a fresh req_id; `stall()` makes the current subscription
 *   silently lose callbacks while the socket stays open (the pitfall of §8.1) until a fresh subscribe.
 * - `aibot_respond_msg` (req_id of a message callback, JSON of 1b: stream / template_card /
 *   stream_with_template_card / text), `aibot_respond_welcome_msg`, `aibot_respond_update_msg` (req_id of
 *   a template_card_event, once, within 5 s) and `aibot_send_msg {chatid, msgtype markdown|template_card}`.
 *   Rejected like the real API: 846609 when not subscribed, missing fields, empty (44004) or too long
 *   (45002) content, `markdown_v2` with mentions, invalid cards (42014/42017), and for `aibot_send_msg`
 *   45009 from the 21st message a minute per chat (the brief gives the robot's 20/min [91770]; the same
 *   figure is assumed here).
 * The fake's own errcodes (not in the brief) are the constants below.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { validateButtonCard } from './validate-wecom-body.js';
import { waitForRecord } from './wait-for.js';

/** "Not subscribed" (wecom.md §8.1). */
export const ERR_NOT_SUBSCRIBED = 846609;
/** The fake's errcode for a req_id it did not issue, or one already answered / expired. */
export const FAKE_ERR_REQ_ID = 40098;
/** Window for `aibot_respond_update_msg` after a card event, ms [101031]. */
export const CARD_UPDATE_WINDOW_MS = 5000;

/** One frame the fake received and how it answered. `conn` numbers connections from 1. */
export interface WsRecord {
  cmd: string;
  reqId: string;
  body: unknown;
  errcode: number;
  errmsg: string;
  at: number;
  conn: number;
}

/** A callback pushed to the bot; `delivered` false when the subscription was stalled. */
export interface WsCallback {
  reqId: string;
  cmd: string;
  body: unknown;
  conn: number;
  delivered: boolean;
}

interface Conn {
  n: number;
  ws: WebSocket;
  botId?: string;
  stalled: boolean;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Options (times in ms). */
export interface FakeAiBotWsOptions {
  now: () => number;
  /** Accepted `aibot_send_msg` per chat per window (default 20). */
  sendPerMinute?: number;
  /** Length of that window (default 60000). */
  sendWindowMs?: number;
}

/** See the module comment; created by FakeWeComServer. */
export class FakeAiBotWs {
  /** Every frame received, in order (rejected ones too). */
  readonly received: WsRecord[] = [];
  /** Every callback pushed (or lost to a stall). */
  readonly callbacks: WsCallback[] = [];
  private readonly events = new EventEmitter();
  private readonly wss: WebSocketServer;
  private readonly bots = new Map<string, string>();
  private readonly current = new Map<string, Conn>();
  private readonly conns = new Set<Conn>();
  private readonly issued = new Map<string, { conn: Conn; kind: 'msg' | 'event'; at: number; answered: boolean }>();
  private readonly sentAt = new Map<string, number[]>();
  private readonly failSend: Array<number> = [];
  private seq = 0;

  constructor(
    server: Server,
    private readonly opts: FakeAiBotWsOptions,
  ) {
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (ws) => this.accept(ws));
  }

  /** Registers a bot that may subscribe. */
  addBot(botId: string, secret: string): void {
    this.bots.set(botId, secret);
  }

  /** Connections open now, and how many of them hold a subscription. */
  openConnections(): { open: number; subscribed: number } {
    const open = [...this.conns].filter((c) => c.ws.readyState === c.ws.OPEN);
    return { open: open.length, subscribed: open.filter((c) => c.botId && this.current.get(c.botId) === c).length };
  }

  /** Whether an open connection holds `botId` now (callbacks can be delivered). */
  holds(botId: string): boolean {
    const c = this.current.get(botId);
    return !!c && c.ws.readyState === c.ws.OPEN;
  }

  /** Successful subscriptions so far (records with errcode 0). */
  subscriptions(): WsRecord[] {
    return this.received.filter((r) => r.cmd === 'aibot_subscribe' && r.errcode === 0);
  }

  /** Frames of one command. */
  frames(cmd: string): WsRecord[] {
    return this.received.filter((r) => r.cmd === cmd);
  }

  /** Makes the next `times` `aibot_send_msg` fail with `errcode` (e.g. 846609, -1). */
  failNextSend(errcode: number, times = 1): void {
    for (let i = 0; i < times; i += 1) this.failSend.push(errcode);
  }

  /** Cuts the bot's current connection without a close frame (a network failure). */
  drop(botId: string): void {
    this.current.get(botId)?.ws.terminate();
  }

  /** From now on the bot's current subscription loses every callback, the socket staying open (§8.1). */
  stall(botId: string): void {
    const c = this.current.get(botId);
    if (c) c.stalled = true;
  }

  /**
   * Pushes `aibot_msg_callback` with `body` (a 1b message JSON) to the bot's current connection.
   * @returns the req_id. @throws when no connection holds the bot.
   */
  deliverMessage(botId: string, body: Json): string {
    return this.push(botId, 'aibot_msg_callback', 'msg', body);
  }

  /** Pushes `aibot_event_callback` (a 1b event JSON). @returns the req_id. */
  deliverEvent(botId: string, body: Json): string {
    return this.push(botId, 'aibot_event_callback', 'event', body);
  }

  /** Resolves with the first record (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (r: WsRecord) => boolean, timeoutMs = 5000): Promise<WsRecord> {
    return waitForRecord(this.received, this.events, 'record', predicate, timeoutMs, 'FakeAiBotWs');
  }

  /** Closes every connection and the WebSocket server. */
  async close(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private push(botId: string, cmd: string, kind: 'msg' | 'event', body: Json): string {
    const conn = this.current.get(botId);
    if (!conn || conn.ws.readyState !== conn.ws.OPEN) throw new Error(`FakeAiBotWs: no connection holds bot ${botId}`);
    const reqId = `${cmd}_${randomBytes(8).toString('hex')}`;
    const delivered = !conn.stalled;
    this.callbacks.push({ reqId, cmd, body, conn: conn.n, delivered });
    if (delivered) {
      this.issued.set(reqId, { conn, kind, at: this.opts.now(), answered: false });
      conn.ws.send(JSON.stringify({ cmd, headers: { req_id: reqId }, body }));
    }
    return reqId;
  }

  private accept(ws: WebSocket): void {
    this.seq += 1;
    const conn: Conn = { n: this.seq, ws, stalled: false };
    this.conns.add(conn);
    ws.on('message', (data) => this.onFrame(conn, data.toString('utf8')));
    ws.on('close', () => {
      this.conns.delete(conn);
      if (conn.botId && this.current.get(conn.botId) === conn) this.current.delete(conn.botId);
    });
  }

  private onFrame(conn: Conn, text: string): void {
    let frame: Json | undefined;
    try {
      frame = obj(JSON.parse(text));
    } catch {
      frame = undefined;
    }
    const cmd = typeof frame?.cmd === 'string' ? frame.cmd : '';
    const reqId = String(obj(frame?.headers)?.req_id ?? '');
    const body = frame?.body;
    let [errcode, errmsg] = this.answer(conn, cmd, reqId, body);
    if (!frame) [errcode, errmsg] = [40058, 'invalid json'];
    const rec: WsRecord = { cmd, reqId, body, errcode, errmsg, at: this.opts.now(), conn: conn.n };
    this.received.push(rec);
    if (conn.ws.readyState === conn.ws.OPEN)
      conn.ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode, errmsg }));
    this.events.emit('record', rec);
  }

  private subscribed(conn: Conn): boolean {
    return !!conn.botId && this.current.get(conn.botId) === conn;
  }

  private answer(conn: Conn, cmd: string, reqId: string, body: unknown): [number, string] {
    if (!reqId) return [40058, 'headers.req_id required'];
    switch (cmd) {
      case 'aibot_subscribe':
        return this.subscribe(conn, obj(body));
      case 'ping':
        return this.subscribed(conn) ? [0, 'ok'] : [ERR_NOT_SUBSCRIBED, 'not subscribed'];
      case 'aibot_respond_msg':
      case 'aibot_respond_welcome_msg':
      case 'aibot_respond_update_msg':
        return this.respond(conn, cmd, reqId, obj(body));
      case 'aibot_send_msg':
        return this.send(conn, obj(body));
      default:
        return [40058, `unknown cmd ${cmd}`];
    }
  }

  private subscribe(conn: Conn, body: Json | undefined): [number, string] {
    const botId = typeof body?.bot_id === 'string' ? body.bot_id : '';
    const secret = typeof body?.secret === 'string' ? body.secret : '';
    if (!botId || !secret) return [40058, 'bot_id and secret required'];
    if (this.bots.get(botId) !== secret) return [40001, 'invalid secret'];
    const old = this.current.get(botId);
    conn.botId = botId;
    conn.stalled = false;
    this.current.set(botId, conn);
    if (old && old !== conn) {
      // a new connection evicts the old one (wecom.md §1c)
      old.botId = undefined;
      if (old.ws.readyState === old.ws.OPEN) {
        old.ws.send(
          JSON.stringify({
            cmd: 'aibot_event_callback',
            headers: { req_id: `evict_${randomBytes(4).toString('hex')}` },
            body: {
              msgid: randomBytes(8).toString('hex'),
              aibotid: botId,
              msgtype: 'event',
              from: { userid: '' },
              event: { eventtype: 'disconnected_event' },
            },
          }),
        );
        old.ws.close();
      }
    }
    return [0, 'ok'];
  }

  private respond(conn: Conn, cmd: string, reqId: string, body: Json | undefined): [number, string] {
    if (!this.subscribed(conn)) return [ERR_NOT_SUBSCRIBED, 'not subscribed'];
    const cb = this.issued.get(reqId);
    if (!cb || cb.conn !== conn) return [FAKE_ERR_REQ_ID, 'invalid req_id'];
    if (!body) return [40058, 'body required'];
    if (cmd === 'aibot_respond_update_msg') {
      if (cb.kind !== 'event') return [FAKE_ERR_REQ_ID, 'req_id is not a card event'];
      if (cb.answered) return [FAKE_ERR_REQ_ID, 'card already updated for this event'];
      if (this.opts.now() - cb.at > CARD_UPDATE_WINDOW_MS) return [FAKE_ERR_REQ_ID, 'card update window (5 s) passed'];
      if (body.response_type !== 'update_template_card') return [40058, 'response_type must be update_template_card'];
      const card = obj(body.template_card);
      if (!card) return [40058, 'template_card required'];
      const r = validateButtonCard(card);
      if (r[0] === 0) cb.answered = true;
      return r;
    }
    const r = validateAnswer(body);
    return r;
  }

  private send(conn: Conn, body: Json | undefined): [number, string] {
    if (!this.subscribed(conn)) return [ERR_NOT_SUBSCRIBED, 'not subscribed'];
    const injected = this.failSend.shift();
    if (injected !== undefined) return [injected, 'injected failure'];
    if (!body) return [40058, 'body required'];
    const chatid = body.chatid;
    if (typeof chatid !== 'string' || !chatid) return [40058, 'chatid required'];
    let r: [number, string];
    if (body.msgtype === 'markdown') r = content(body.markdown, 4096);
    else if (body.msgtype === 'markdown_v2') r = markdownV2(body.markdown_v2);
    else if (body.msgtype === 'template_card') {
      const card = obj(body.template_card);
      r = card ? validateButtonCard(card) : [40058, 'template_card required'];
    } else r = [40008, 'invalid message type'];
    if (r[0] !== 0) return r;
    const at = this.opts.now();
    const windowMs = this.opts.sendWindowMs ?? 60_000;
    const recent = (this.sentAt.get(chatid) ?? []).filter((t) => at - t < windowMs);
    if (recent.length >= (this.opts.sendPerMinute ?? 20)) return [45009, 'api freq out of limit'];
    this.sentAt.set(chatid, [...recent, at]);
    return [0, 'ok'];
  }
}

function content(part: unknown, max: number): [number, string] {
  const c = obj(part)?.content;
  if (typeof c !== 'string' || c.length === 0) return [44004, 'empty content'];
  if (bytes(c) > max) return [45002, `content exceeds ${max} bytes`];
  return [0, 'ok'];
}

/** markdown_v2 cannot mention (wecom.md §2, §6.6): the real API shows the markup; the fake rejects it. */
function markdownV2(part: unknown): [number, string] {
  const r = content(part, 4096);
  if (r[0] !== 0) return r;
  return /<@[^>]+>/.test(String(obj(part)?.content)) ? [40058, 'markdown_v2 cannot mention'] : r;
}

/** A message answer (1b): stream, template_card, stream_with_template_card, text. */
function validateAnswer(body: Json): [number, string] {
  const stream = (): [number, string] => {
    const s = obj(body.stream);
    if (!s || typeof s.id !== 'string' || !s.id) return [40058, 'stream.id required'];
    if (typeof s.content === 'string' && bytes(s.content) > 20480) return [45002, 'content exceeds 20480 bytes'];
    return [0, 'ok'];
  };
  const card = (): [number, string] => {
    const c = obj(body.template_card);
    return c ? validateButtonCard(c) : [40058, 'template_card required'];
  };
  switch (body.msgtype) {
    case 'stream':
      return stream();
    case 'template_card':
      return card();
    case 'stream_with_template_card': {
      const r = stream();
      return r[0] === 0 ? card() : r;
    }
    case 'text':
      return content(body.text, 2048);
    case 'markdown_v2':
      return markdownV2(body.markdown_v2);
    default:
      return [40008, 'invalid message type'];
  }
}
