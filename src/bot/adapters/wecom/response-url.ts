/**
 * The AI bot's `response_url` [101138]: a single-use url (valid 1 hour) carried by a callback, to
 * which one plain-JSON message (markdown or template_card) may be POSTed after the passive window.
 */
import axios from 'axios';
import { PlatformError } from '../../../errors.js';
import type { ResponseUrlBody } from './passive-reply.js';

/**
 * Returns `url` if it is on the same origin as `apiBase`, else undefined. The url arrives inside an
 * authenticated callback; the origin check is defence in depth against posting elsewhere.
 */
export function trustedResponseUrl(url: string | undefined, apiBase: string): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin === new URL(apiBase).origin ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POSTs `body` to a response_url once.
 * @param timeoutMs request timeout, ms.
 * @throws PlatformError on a network error, HTTP >= 400, or a non-zero errcode (the url may be
 *   spent or expired). The url (a bearer code) is not put in the message.
 */
export async function postResponseUrl(url: string, body: ResponseUrlBody, timeoutMs: number): Promise<void> {
  let res: Awaited<ReturnType<typeof axios.post<{ errcode?: number; errmsg?: string }>>>;
  try {
    res = await axios.post<{ errcode?: number; errmsg?: string }>(url, body, {
      timeout: timeoutMs,
      validateStatus: () => true,
    });
  } catch (err) {
    throw new PlatformError(`response_url network error ${(err as { code?: string }).code ?? ''}`, 'NETWORK', true);
  }
  if (res.status >= 400) throw new PlatformError(`response_url HTTP ${res.status}`, res.status, res.status >= 500);
  const code = res.data?.errcode;
  if (code !== 0) throw new PlatformError(`response_url errcode ${code}: ${res.data?.errmsg ?? ''}`, code, false);
}
