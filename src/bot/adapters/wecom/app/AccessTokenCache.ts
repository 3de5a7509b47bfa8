/**
 * The self-built app's access_token cache [91039] (wecom.md §2): one token per app and process,
 * fetched at most once at a time (concurrent callers share the one in-flight `gettoken`),
 * refreshed `earlyRefreshMs` before it expires, and refreshed on demand when WeCom says it is
 * invalid (40014 / 42001 / 41001) — but only if nobody refreshed it meanwhile (`refresh(stale)`),
 * so a burst of rejected calls costs one `gettoken`, not one each.
 */

/** What `gettoken` gave: the token and its lifetime in seconds (`expires_in`, normally 7200). */
export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

/** Options of `AccessTokenCache`. */
export interface AccessTokenCacheOptions {
  /** Calls `gettoken`; throws `PlatformError` on failure (nothing is cached then). */
  fetch: () => Promise<FetchedToken>;
  /** Refresh this long before expiry, ms (WECOM_APP_TOKEN_EARLY_REFRESH_SECONDS × 1000). */
  earlyRefreshMs: number;
  /** Clock, ms since epoch. */
  now?: () => number;
}

export class AccessTokenCache {
  private current?: { token: string; refreshAt: number };
  private inflight?: Promise<string>;
  private readonly now: () => number;
  /** How many times `gettoken` was called (for tests and logs). */
  fetches = 0;

  constructor(private readonly opts: AccessTokenCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A valid token: the cached one unless it is due for its early refresh. @throws what `fetch` throws. */
  async get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    return this.refresh(this.current?.token);
  }

  /**
   * Replaces `stale` (the token WeCom just rejected) with a fresh one. When the cached token is
   * already another one (someone refreshed meanwhile) that one is returned without a call.
   * @throws what `fetch` throws.
   */
  async refresh(stale?: string): Promise<string> {
    if (this.current && stale !== undefined && this.current.token !== stale && this.now() < this.current.refreshAt)
      return this.current.token;
    if (!this.inflight) {
      this.fetches++;
      this.inflight = this.opts
        .fetch()
        .then(({ token, expiresInSeconds }) => {
          const lifetimeMs = Math.max(0, expiresInSeconds * 1000);
          // a token shorter-lived than the early margin is used for half its life
          const early = Math.min(this.opts.earlyRefreshMs, lifetimeMs / 2);
          this.current = { token, refreshAt: this.now() + lifetimeMs - early };
          return token;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }

  /** Forgets the cached token (the next `get` fetches). */
  invalidate(): void {
    this.current = undefined;
  }
}
