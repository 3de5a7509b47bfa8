/**
 * Simulates WeCom's side of AI-bot callbacks [100719, 101027, 101033]: builds signed, encrypted
 * callbacks with the product builder (src/bot/adapters/wecom/callback-builder.ts), gives each a
 * fresh response_url on the fake server, posts them to the bot over real HTTP, and verifies and
 * decrypts the passive answer. Every exchange lands in `received`; `waitFor` awaits one.
 */
import { EventEmitter } from 'node:events';
import {
  buildCardClickCallback,
  buildTextCallback,
  buildUrlVerification,
  openPassiveReply,
  postCallback,
  randomId,
  sealCallback,
  withQuery,
  type CallbackResponse,
  type SealedCallback,
} from '../../../src/bot/adapters/wecom/callback-builder.js';
import type { FakeWeComServer } from './FakeWeComServer.js';
import { waitForRecord } from './wait-for.js';

/** One callback sent and the bot's answer. */
export interface Exchange extends CallbackResponse {
  kind: 'text' | 'card' | 'raw';
  /** The plaintext callback sent (undefined for raw posts). */
  plaintext?: Record<string, unknown>;
  /** The response_code issued for this callback (fake server), if any. */
  responseCode?: string;
}

/** Options: the bot's secrets and URL, and the fake that issues response_urls. */
export interface WeComCallbackClientOptions {
  token: string;
  encodingAESKey: string;
  /** Full callback URL, e.g. `http://127.0.0.1:1234/callbacks/wecom/aibot`. */
  botUrl: string;
  fake?: FakeWeComServer;
  aibotid?: string;
  /** Clock for callback timestamps, ms (default Date.now). */
  now?: () => number;
}

/** Overrides for timestamp (unix s) and nonce of one callback. */
export interface SealOverrides {
  timestamp?: number;
  nonce?: string;
}

/** The simulator; see the module comment. */
export class WeComCallbackClient {
  readonly received: Exchange[] = [];
  private readonly events = new EventEmitter();

  constructor(private readonly opts: WeComCallbackClientOptions) {}

  private nowSec(): number {
    return Math.floor((this.opts.now ?? Date.now)() / 1000);
  }

  private responseUrl(): { url?: string; code?: string } {
    return this.opts.fake ? this.opts.fake.issueResponseUrl() : {};
  }

  /** Sends a text message as a group member (chatId) or 1:1; `text` as typed (e.g. "@Bot /ack …"). */
  async sendText(
    i: { userId: string; text: string; chatId?: string; msgid?: string },
    at: SealOverrides = {},
  ): Promise<Exchange> {
    const { url, code } = this.responseUrl();
    const plaintext = buildTextCallback({
      ...i,
      aibotid: this.opts.aibotid,
      responseUrl: url,
      createTime: this.nowSec(),
    });
    return this.send('text', plaintext, code, at);
  }

  /** Sends a template-card button click. */
  async clickCard(
    i: { userId: string; taskId: string; eventKey: string; chatId?: string; msgid?: string },
    at: SealOverrides = {},
  ): Promise<Exchange> {
    const { url, code } = this.responseUrl();
    const plaintext = buildCardClickCallback({
      ...i,
      aibotid: this.opts.aibotid,
      responseUrl: url,
      createTime: this.nowSec(),
    });
    return this.send('card', plaintext, code, at);
  }

  /** Seals and sends any plaintext object (e.g. an image message). */
  async sendPlaintext(plaintext: Record<string, unknown>, at: SealOverrides = {}): Promise<Exchange> {
    return this.send('raw', plaintext, undefined, at);
  }

  /** Posts an arbitrary query and body text (forged, malformed or replayed requests). */
  async postRaw(query: Record<string, string>, bodyText: string): Promise<Exchange> {
    const res = await fetch(withQuery(this.opts.botUrl, query), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodyText,
    });
    return this.push({ kind: 'raw', status: res.status, rawBody: await res.text() });
  }

  /** Seals a plaintext without sending it (for tampering tests). */
  seal(plaintext: object, at: SealOverrides = {}): SealedCallback {
    return sealCallback(this.opts.token, this.opts.encodingAESKey, plaintext, {
      timestamp: at.timestamp ?? this.nowSec(),
      nonce: at.nonce ?? randomId(8),
    });
  }

  /** URL verification GET with `echo` as the secret plaintext; returns status and raw body. */
  async verifyUrl(
    echo: string,
    at: SealOverrides = {},
  ): Promise<{ status: number; body: string; contentType: string | null; url: string }> {
    const q = buildUrlVerification(this.opts.token, this.opts.encodingAESKey, echo, {
      timestamp: at.timestamp ?? this.nowSec(),
      nonce: at.nonce,
    });
    const url = withQuery(this.opts.botUrl, q);
    const res = await fetch(url);
    return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type'), url };
  }

  /** Decrypts a passive answer body with this client's secrets. */
  open(rawBody: string): unknown {
    return openPassiveReply(this.opts.token, this.opts.encodingAESKey, rawBody);
  }

  /** Resolves with the first exchange (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (e: Exchange) => boolean, timeoutMs = 5000): Promise<Exchange> {
    return waitForRecord(this.received, this.events, 'exchange', predicate, timeoutMs, 'WeComCallbackClient');
  }

  private async send(
    kind: Exchange['kind'],
    plaintext: Record<string, unknown>,
    responseCode: string | undefined,
    at: SealOverrides,
  ): Promise<Exchange> {
    const sealed = this.seal(plaintext, at);
    const res = await postCallback(this.opts.botUrl, sealed, this.opts.token, this.opts.encodingAESKey);
    return this.push({ kind, plaintext, responseCode, ...res });
  }

  private push(e: Exchange): Exchange {
    this.received.push(e);
    this.events.emit('exchange', e);
    return e;
  }
}
