/**
 * DingTalk's error families mapped to retry / refresh token / give up (dingtalk.md §5, §7.5):
 * oapi answers HTTP 200 with a non-zero `errcode`; api.dingtalk.com/v1.0 answers non-2xx with
 * `{code, message, requestid}` (an invalid token is 400 `InvalidAuthentication`, not 401).
 */

/** What to do with a failed call. */
export type ErrorAction = 'retry' | 'refresh-token' | 'give-up';

/** oapi errcodes others retry (busy, system error, rate): -1, 88, 410100, 130101 (dingtalk.md §7.5). */
export const OAPI_RETRYABLE = new Set([-1, 88, 410100, 130101]);
/** oapi errcodes meaning the access token is invalid or expired (40014 invalid, 42001 expired). */
export const OAPI_TOKEN_ERRORS = new Set([40014, 42001]);

/** Classifies an oapi `errcode` (0 is not an error; callers check that first). */
export function classifyOapi(errcode: number): ErrorAction {
  if (OAPI_TOKEN_ERRORS.has(errcode)) return 'refresh-token';
  return OAPI_RETRYABLE.has(errcode) ? 'retry' : 'give-up';
}

/**
 * Classifies a v1.0 failure by HTTP status and body `code`: 5xx, 429 and throttling / QPS codes
 * retry; `InvalidAuthentication` refreshes the token; any other 4xx gives up.
 */
export function classifyV1(status: number, code: string | undefined): ErrorAction {
  if (code && /InvalidAuthentication|token\.(invalid|expired)/i.test(code)) return 'refresh-token';
  if (status >= 500 || status === 429) return 'retry';
  if (code && /throttl|qps|flowcontrol|ratelimit|busy|system\.error/i.test(code)) return 'retry';
  return 'give-up';
}
