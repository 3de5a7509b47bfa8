/**
 * HTTP client for DingTalk: the v1.0 OpenAPI (api.dingtalk.com, header `x-acs-dingtalk-access-token`)
 * and oapi-style posts (sessionWebhook, custom robot). Access tokens (`POST /v1.0/oauth2/accessToken`,
 * dingtalk.md §2) are cached, refreshed `tokenEarlyMs` before expiry, with one refresh in flight at a
 * time; a token error refreshes once and retries once. Every call has a timeout (the OpenAPI answers
 * within 3 s or not at all, dingtalk.md §7.5). Failures throw `PlatformError` whose `retryable`
 * follows `error-table.ts`.
 */
import type { Logger } from 'pino';
import { PlatformError } from '../../../errors.js';
import { classifyOapi, classifyV1 } from './error-table.js';

/** Options (times in ms). */
export interface DingTalkApiOptions {
  /** AppKey / Client ID. */
  appKey: string;
  /** AppSecret / Client Secret (never logged). */
  appSecret: string;
  /** e.g. `https://api.dingtalk.com` (DINGTALK_API_BASE). */
  apiBase: string;
  /** Per-call timeout, ms (DINGTALK_HTTP_TIMEOUT_MS, default 3000). */
  timeoutMs: number;
  /** Refresh this long before the token expires, ms (default 300000, dingtalk.md §2). */
  tokenEarlyMs?: number;
  logger: Logger;
  now?: () => number;
}

/** The DingTalk HTTP client; see the module comment. */
export class DingTalkApi {
  private token?: { value: string; expiresAt: number };
  private refreshing?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly opts: DingTalkApiOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A valid access token (cached; one refresh in flight). @throws PlatformError when the token call fails. */
  async accessToken(force = false): Promise<string> {
    const early = this.opts.tokenEarlyMs ?? 300_000;
    if (!force && this.token && this.token.expiresAt - early > this.now()) return this.token.value;
    this.refreshing ??= this.fetchToken().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchToken(): Promise<string> {
    const { status, body } = await this.raw('POST', `${this.opts.apiBase}/v1.0/oauth2/accessToken`, {
      appKey: this.opts.appKey,
      appSecret: this.opts.appSecret,
    });
    const b = body as { accessToken?: string; expireIn?: number; code?: string; message?: string } | undefined;
    if (status !== 200 || !b?.accessToken) {
      const action = classifyV1(status, b?.code);
      throw new PlatformError(
        `dingtalk accessToken failed: HTTP ${status} ${b?.code ?? ''} ${b?.message ?? ''}`.trim(),
        b?.code ?? status,
        action === 'retry',
      );
    }
    this.token = { value: b.accessToken, expiresAt: this.now() + (b.expireIn ?? 7200) * 1000 };
    this.opts.logger.debug({ expireIn: b.expireIn }, 'dingtalk access token refreshed');
    return b.accessToken;
  }

  /**
   * Calls a v1.0 endpoint (`path` like `/v1.0/robot/groupMessages/send`) with the access token.
   * @returns the parsed JSON body of a 2xx answer.
   * @throws PlatformError (retryable per `classifyV1`; a token error is refreshed and retried once).
   */
  async v1<T = unknown>(method: 'POST' | 'PUT', path: string, payload: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken(attempt > 0);
      const { status, body } = await this.raw(method, `${this.opts.apiBase}${path}`, payload, {
        'x-acs-dingtalk-access-token': token,
      });
      if (status >= 200 && status < 300) return body as T;
      const b = body as { code?: string; message?: string } | undefined;
      const action = classifyV1(status, b?.code);
      if (action === 'refresh-token' && attempt === 0) {
        this.opts.logger.info({ path }, 'dingtalk token rejected; refreshing once');
        continue;
      }
      throw new PlatformError(
        `dingtalk ${path} failed: HTTP ${status} ${b?.code ?? ''} ${b?.message ?? ''}`.trim(),
        b?.code ?? status,
        action === 'retry',
      );
    }
  }

  /**
   * POSTs to an oapi-style URL (sessionWebhook, custom robot) that answers `{errcode, errmsg}`;
   * HTTP 200 with a non-zero errcode is a failure.
   * @throws PlatformError (retryable per `classifyOapi`, 5xx and network errors).
   */
  async oapiPost(url: string, payload: unknown, what: string): Promise<void> {
    const { status, body } = await this.raw('POST', url, payload);
    const b = body as { errcode?: number; errmsg?: string } | undefined;
    if (status >= 500) throw new PlatformError(`dingtalk ${what}: HTTP ${status}`, status, true);
    if (status !== 200) throw new PlatformError(`dingtalk ${what}: HTTP ${status}`, status, false);
    const errcode = b?.errcode ?? 0;
    if (errcode !== 0) {
      throw new PlatformError(
        `dingtalk ${what}: errcode ${errcode} ${b?.errmsg ?? ''}`.trim(),
        errcode,
        classifyOapi(errcode) === 'retry',
      );
    }
  }

  /** One HTTP call with a timeout; network errors and timeouts become retryable PlatformErrors. */
  private async raw(
    method: string,
    url: string,
    payload: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new PlatformError(
        `dingtalk ${new URL(url).pathname} unreachable: ${(err as Error).message}`,
        'NETWORK',
        true,
      );
    }
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  }
}
