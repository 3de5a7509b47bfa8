/**
 * The self-built app's server API [91039, 90236, 90245]: `gettoken` (through `AccessTokenCache`),
 * `message/send` and `message/update_template_card`. Every answer is classified by the one errcode
 * table (`../errors.ts`): on 40014 / 42001 / 41001 the token is refreshed once and the call retried
 * once; everything else is thrown as a `PlatformError` for the delivery worker (which retries only
 * what the table calls retryable). One attempt per call otherwise: backoff is the worker's.
 * Secrets (corpsecret, access_token) are never logged nor put in an error message.
 */
import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { PlatformError } from '../../../../errors.js';
import { TOKEN_ERRCODES, weComApiError, weComHttpError, weComNetworkError } from '../errors.js';
import { AccessTokenCache } from './AccessTokenCache.js';

/** Options of `WeComAppApi`. */
export interface WeComAppApiOptions {
  /** API base, e.g. `https://qyapi.weixin.qq.com` (WECOM_API_BASE; tests: the fake). */
  apiBase: string;
  /** CorpID (WECOM_CORP_ID). */
  corpId: string;
  /** The app's Secret (WECOM_APP_SECRET). Secret: never logged. */
  secret: string;
  /** Refresh the token this long before it expires, ms. */
  earlyRefreshMs: number;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  logger: Logger;
  now?: () => number;
}

/** What `message/send` answers besides errcode [90236]. */
export interface SendResult {
  msgid?: string;
  /** For template cards: the code that updates this message once (valid 72 h [94888]). */
  response_code?: string;
  /** Recipients WeCom did not accept, `a|b`. */
  invaliduser?: string;
}

type WeComAnswer = { errcode?: number; errmsg?: string } & Record<string, unknown>;

export class WeComAppApi {
  readonly tokens: AccessTokenCache;
  private readonly http: AxiosInstance;
  private readonly base: string;

  constructor(private readonly opts: WeComAppApiOptions) {
    this.base = opts.apiBase.replace(/\/+$/, '');
    this.http = axios.create({ timeout: opts.timeoutMs, validateStatus: () => true });
    this.tokens = new AccessTokenCache({
      earlyRefreshMs: opts.earlyRefreshMs,
      now: opts.now,
      fetch: () => this.fetchToken(),
    });
  }

  /** `POST message/send` [90236]. @throws PlatformError per the errcode table. */
  async sendMessage(body: Record<string, unknown>): Promise<SendResult> {
    const r = await this.call('message/send', body);
    return {
      msgid: r.msgid === undefined ? undefined : String(r.msgid),
      response_code: typeof r.response_code === 'string' ? r.response_code : undefined,
      invaliduser: typeof r.invaliduser === 'string' ? r.invaliduser : undefined,
    };
  }

  /** `POST message/update_template_card` [94888]. @throws PlatformError per the errcode table. */
  async updateTemplateCard(body: Record<string, unknown>): Promise<void> {
    await this.call('message/update_template_card', body);
  }

  /**
   * One API call with the cached token; on a token errcode the token is refreshed once (shared by
   * concurrent callers) and the call retried once. A second token error is not retried again.
   */
  private async call(path: string, body: unknown): Promise<WeComAnswer> {
    let token = await this.tokens.get();
    for (let attempt = 1; ; attempt++) {
      const answer = await this.post(path, token, body);
      const code = Number(answer.errcode ?? 0);
      if (code === 0) return answer;
      if (TOKEN_ERRCODES.has(code) && attempt === 1) {
        this.opts.logger.info({ api: path, errcode: code }, 'wecom app token rejected; refreshing once');
        token = await this.tokens.refresh(token);
        continue;
      }
      throw weComApiError(path, code, answer.errmsg);
    }
  }

  private async post(path: string, token: string, body: unknown): Promise<WeComAnswer> {
    let res: { status: number; data: WeComAnswer };
    try {
      res = await this.http.post<WeComAnswer>(`${this.base}/cgi-bin/${path}`, body, {
        params: { access_token: token },
      });
    } catch (err) {
      throw weComNetworkError(path, (err as { code?: string }).code);
    }
    if (res.status >= 400) throw weComHttpError(path, res.status);
    if (!res.data || typeof res.data !== 'object') throw weComHttpError(path, res.status);
    return res.data;
  }

  /** `GET gettoken?corpid&corpsecret` [91039]. @throws PlatformError (40001 bad secret is a configuration error). */
  private async fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    let res: { status: number; data: WeComAnswer };
    try {
      res = await this.http.get<WeComAnswer>(`${this.base}/cgi-bin/gettoken`, {
        params: { corpid: this.opts.corpId, corpsecret: this.opts.secret },
      });
    } catch (err) {
      throw weComNetworkError('gettoken', (err as { code?: string }).code);
    }
    if (res.status >= 400) throw weComHttpError('gettoken', res.status);
    const code = Number(res.data?.errcode ?? 0);
    const token = res.data?.access_token;
    if (code !== 0 || typeof token !== 'string' || !token) {
      const err: PlatformError = weComApiError('gettoken', code || -1, res.data?.errmsg);
      this.opts.logger.warn({ errcode: code }, 'wecom app gettoken failed');
      throw err;
    }
    this.opts.logger.debug('wecom app access token fetched');
    return { token, expiresInSeconds: Number(res.data.expires_in ?? 7200) };
  }
}
