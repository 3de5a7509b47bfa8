/**
 * `dingtalk-stream` 2.1.5 hard-codes `https://api.dingtalk.com/v1.0/gateway/connections/open` and
 * `https://oapi.dingtalk.com/gettoken` and calls them with the shared axios instance. The test
 * harness redirects those requests to the fake with an axios request interceptor (the SDK itself
 * is not forked or patched). Returns a function that removes the interceptor.
 */
import axios from 'axios';

export function redirectDingTalkSdk(fakeBase: string): () => void {
  const id = axios.interceptors.request.use((cfg) => {
    if (cfg.url) cfg.url = cfg.url.replace(/^https:\/\/(api|oapi)\.dingtalk\.com/, fakeBase);
    return cfg;
  });
  return () => axios.interceptors.request.eject(id);
}
