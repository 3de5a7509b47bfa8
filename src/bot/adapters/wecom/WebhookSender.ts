/**
 * Posts to a WeCom webhook robot: `POST {apiBase}/cgi-bin/webhook/send?key=KEY` [91770].
 * Branches on `errcode` only, through the one errcode table (`errors.ts`, wecom.md §5): retries with exponential backoff on -1 (busy), 45009
 * (frequency limit), 45033 (concurrency), network errors and HTTP 5xx, at most `tries` attempts;
 * any other non-zero errcode (93000/93004/93008 bad/removed/disabled robot, 45002 too long, ...)
 * fails at once. The key is a bearer secret: it is never logged nor put in an error message.
 */
import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { PlatformError } from '../../../errors.js';

import { weComApiError } from './errors.js';

/** Options of `WebhookSender`. */
export interface WebhookSenderOptions {
  /** API base, e.g. `https://qyapi.weixin.qq.com` (tests: the fake server). */
  apiBase: string;
  logger: Logger;
  /** Attempts in all (default 3). */
  tries?: number;
  /** First backoff in ms, doubled per retry (default 1000). */
  baseDelayMs?: number;
  /** Per-request timeout in ms (default 10000). */
  timeoutMs?: number;
}

/** A WeCom API answer. */
interface WeComResult {
  errcode?: number;
  errmsg?: string;
}

/** Sends webhook-robot messages with bounded retries. */
export class WebhookSender {
  private readonly http: AxiosInstance;
  private readonly tries: number;
  private readonly baseDelayMs: number;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.tries = Math.max(1, opts.tries ?? 3);
    this.baseDelayMs = Math.max(0, opts.baseDelayMs ?? 1000);
    this.http = axios.create({ timeout: opts.timeoutMs ?? 10_000, validateStatus: () => true });
  }

  /**
   * Sends `body` (a webhook message object such as `{msgtype:'markdown', markdown:{content}}`)
   * with the robot `key`. `label` names the target in logs (e.g. the chat id), never the key.
   * @throws PlatformError with `platformCode` = errcode (or HTTP status / 'NETWORK') and
   *   `retryable` true when the attempts ran out on a retryable failure.
   */
  async send(key: string, body: unknown, label: string): Promise<void> {
    const url = `${this.opts.apiBase.replace(/\/+$/, '')}/cgi-bin/webhook/send`;
    let last: PlatformError | undefined;
    for (let attempt = 1; attempt <= this.tries; attempt++) {
      last = await this.attempt(url, key, body);
      if (!last) return;
      if (!last.retryable) {
        this.opts.logger.warn({ target: label, errcode: last.platformCode }, 'wecom webhook send rejected');
        throw last;
      }
      if (attempt < this.tries) {
        const delay = this.baseDelayMs * 2 ** (attempt - 1);
        this.opts.logger.warn(
          { target: label, errcode: last.platformCode, attempt, delayMs: delay },
          'wecom webhook send failed, retrying',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.opts.logger.warn(
      { target: label, errcode: last?.platformCode, tries: this.tries },
      'wecom webhook send gave up',
    );
    throw last!;
  }

  /** One POST; returns undefined on success or the classified error. */
  private async attempt(url: string, key: string, body: unknown): Promise<PlatformError | undefined> {
    try {
      const res = await this.http.post<WeComResult>(url, body, { params: { key } });
      if (res.status >= 500) return new PlatformError(`WeCom webhook HTTP ${res.status}`, res.status, true);
      if (res.status >= 400) return new PlatformError(`WeCom webhook HTTP ${res.status}`, res.status, false);
      const code = Number(res.data?.errcode ?? NaN);
      if (code === 0) return undefined;
      if (Number.isNaN(code)) return new PlatformError('WeCom webhook answered without errcode', undefined, false);
      return weComApiError('webhook', code, res.data?.errmsg ?? '');
    } catch (err) {
      // axios errors carry the request config (with the key in params): log only the code.
      const code = (err as { code?: string }).code ?? 'NETWORK';
      return new PlatformError(`WeCom webhook network error ${code}`, 'NETWORK', true);
    }
  }
}
