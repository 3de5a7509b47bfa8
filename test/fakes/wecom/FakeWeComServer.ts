/**
 * A fake of WeCom's API side, over real HTTP on 127.0.0.1 (ephemeral port):
 * - `POST /cgi-bin/aibot/response?response_code=…` [101138]: only codes this fake issued; single
 *   use (consumed on success); expired 1 hour after issue by the injectable clock; body must be
 *   `markdown` (content <= 20480 bytes) or `template_card` (button_interaction checked as [90236]).
 * - `POST /cgi-bin/webhook/send?key=…` [91770]: unknown key → 93000; text <= 2048 bytes, markdown /
 *   markdown_v2 <= 4096 bytes (else 45002), empty → 44004, unknown msgtype → 40008, webhook
 *   template_card only text_notice/news_notice; 20 accepted messages per minute per key → 45009
 *   (the 21st and later in a sliding minute; `webhookWindowMs` shortens the minute for tests).
 *   `failNextWebhook` injects outages: HTTP 5xx or an errcode (-1 busy, 93000 bad key, …).
 * Answers `{errcode, errmsg}` with HTTP 200 as WeCom does. Errcodes from wecom.md §3/§5; the code for
 * a spent/expired response_code is not in our brief, so the fake uses its own (see constant).
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { type AppRecord, FakeWeComAppApi } from './app-api.js';
import { FakeAiBotWs } from './FakeAiBotWs.js';
import { validateResponseUrlBody, validateWebhookBody } from './validate-wecom-body.js';
import { waitForRecord } from './wait-for.js';

/** The fake's errcode for an unknown, spent or expired response_code (real code not in the brief). */
export const FAKE_ERR_RESPONSE_CODE = 40099;
/** Validity of a response_code, ms [101138]. */
export const RESPONSE_CODE_TTL_MS = 60 * 60 * 1000;

/** One request the fake received and how it answered. */
export type FakeRecord =
  | { kind: 'webhook'; key: string; body: unknown; errcode: number; errmsg: string; at: number }
  | { kind: 'response_url'; code: string; body: unknown; errcode: number; errmsg: string; at: number };

/** Options: the clock (ms) and the webhook rate limit. */
export interface FakeWeComServerOptions {
  now?: () => number;
  /** Accepted messages per minute per webhook key (default 20 [91770]). */
  webhookPerMinute?: number;
  /** Length of that "minute", ms (default 60000; tests shorten it). */
  webhookWindowMs?: number;
}

type Injected = { errcode?: number; httpStatus?: number; times: number };

/** The fake server; create with `FakeWeComServer.start()`, end with `close()`. */
export class FakeWeComServer {
  /** Everything received, in order (rejected requests too, with their errcode). */
  readonly received: FakeRecord[] = [];
  private readonly events = new EventEmitter();
  private readonly codes = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly keys = new Set<string>();
  private readonly sentAt = new Map<string, number[]>();
  private readonly injected = new Map<string, Injected>();
  private clockOffset = 0;
  /** The self-built app's endpoints (off until `app.configure(...)`): see app-api.ts. */
  readonly app = new FakeWeComAppApi(
    () => this.now(),
    (r) => this.events.emit('app', r),
  );
  /** The AI bot's long connection on the same port (FakeAiBotWs.ts); its URL is `wsUrl`. */
  readonly aibot: FakeAiBotWs;
  readonly wsUrl: string;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly opts: FakeWeComServerOptions,
  ) {
    this.aibot = new FakeAiBotWs(server, { now: () => this.now(), sendWindowMs: opts.webhookWindowMs });
    this.wsUrl = baseUrl.replace(/^http/, 'ws');
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  static async start(opts: FakeWeComServerOptions = {}): Promise<FakeWeComServer> {
    let fake: FakeWeComServer | undefined;
    const server = createServer((req, res) => {
      void fake!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeWeComServer(server, `http://127.0.0.1:${port}`, opts);
    return fake;
  }

  /** Current fake time, ms: the injected clock plus `advance()`d time. */
  now(): number {
    return (this.opts.now ?? Date.now)() + this.clockOffset;
  }
  /** Moves the fake's clock forward by `ms`. */
  advance(ms: number): void {
    this.clockOffset += ms;
  }

  /** Registers a webhook robot key. */
  addWebhookKey(key: string): void {
    this.keys.add(key);
  }

  /** Issues a fresh response_code and returns the response_url carrying it. */
  issueResponseUrl(): { url: string; code: string } {
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, { issuedAt: this.now(), used: false });
    return { url: `${this.baseUrl}/cgi-bin/aibot/response?response_code=${code}`, code };
  }

  /** Makes the next `times` webhook requests for `key` fail with an errcode or an HTTP status. */
  failNextWebhook(key: string, failure: { errcode?: number; httpStatus?: number }, times = 1): void {
    this.injected.set(key, { ...failure, times });
  }

  /** Records of one kind. */
  webhookMessages(): Extract<FakeRecord, { kind: 'webhook' }>[] {
    return this.received.filter((r): r is Extract<FakeRecord, { kind: 'webhook' }> => r.kind === 'webhook');
  }
  responseUrlPosts(): Extract<FakeRecord, { kind: 'response_url' }>[] {
    return this.received.filter((r): r is Extract<FakeRecord, { kind: 'response_url' }> => r.kind === 'response_url');
  }

  /** Resolves with the first record (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (r: FakeRecord) => boolean, timeoutMs = 5000): Promise<FakeRecord> {
    return waitForRecord(this.received, this.events, 'record', predicate, timeoutMs, 'FakeWeComServer');
  }

  /** Resolves with the first app API record (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitForApp(predicate: (r: AppRecord) => boolean, timeoutMs = 5000): Promise<AppRecord> {
    return waitForRecord(this.app.received, this.events, 'app', predicate, timeoutMs, 'FakeWeComServer app');
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.aibot.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const text = await readAll(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (this.app.handles(url.pathname)) return this.app.handle(url.pathname, url.searchParams, body, res);
    if (req.method === 'POST' && url.pathname === '/cgi-bin/webhook/send') return this.webhook(url, body, res);
    if (req.method === 'POST' && url.pathname === '/cgi-bin/aibot/response') return this.responseUrl(url, body, res);
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ errcode: 404, errmsg: 'not found' }));
  }

  private webhook(url: URL, body: unknown, res: ServerResponse): void {
    const key = url.searchParams.get('key') ?? '';
    const at = this.now();
    let [errcode, errmsg] = this.keys.has(key) ? [0, 'ok'] : [93000, 'invalid webhook url'];
    const inj = this.injected.get(key);
    if (errcode === 0 && inj && inj.times > 0) {
      inj.times -= 1;
      if (inj.httpStatus) {
        this.record({ kind: 'webhook', key, body, errcode: -inj.httpStatus, errmsg: `http ${inj.httpStatus}`, at });
        res.writeHead(inj.httpStatus).end('upstream error');
        return;
      }
      [errcode, errmsg] = [inj.errcode ?? -1, 'injected failure'];
    }
    if (errcode === 0) [errcode, errmsg] = validateWebhookBody(body);
    if (errcode === 0) {
      const recent = (this.sentAt.get(key) ?? []).filter((t) => at - t < (this.opts.webhookWindowMs ?? 60_000));
      if (recent.length >= (this.opts.webhookPerMinute ?? 20)) [errcode, errmsg] = [45009, 'api freq out of limit'];
      else this.sentAt.set(key, [...recent, at]);
    }
    this.record({ kind: 'webhook', key, body, errcode, errmsg, at });
    reply(res, errcode, errmsg);
  }

  private responseUrl(url: URL, body: unknown, res: ServerResponse): void {
    const code = url.searchParams.get('response_code') ?? '';
    const at = this.now();
    const entry = this.codes.get(code);
    let [errcode, errmsg] = [0, 'ok'];
    if (!entry) [errcode, errmsg] = [FAKE_ERR_RESPONSE_CODE, 'invalid response_code'];
    else if (entry.used) [errcode, errmsg] = [FAKE_ERR_RESPONSE_CODE, 'response_code already used'];
    else if (at - entry.issuedAt > RESPONSE_CODE_TTL_MS)
      [errcode, errmsg] = [FAKE_ERR_RESPONSE_CODE, 'response_code expired'];
    if (errcode === 0) [errcode, errmsg] = validateResponseUrlBody(body);
    if (errcode === 0) entry!.used = true;
    this.record({ kind: 'response_url', code, body, errcode, errmsg, at });
    reply(res, errcode, errmsg);
  }

  private record(r: FakeRecord): void {
    this.received.push(r);
    this.events.emit('record', r);
  }
}

function reply(res: ServerResponse, errcode: number, errmsg: string): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode, errmsg }));
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
