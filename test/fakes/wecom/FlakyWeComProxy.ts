/**
 * A WeCom API that fails on demand, for fault tests: an HTTP proxy in front of `FakeWeComServer`
 * (real HTTP on 127.0.0.1) that forwards every request unchanged, except
 * - during an outage (`outage(ms)`): answers without forwarding, alternating HTTP 502, HTTP 503 and
 *   `{"errcode": -1, "errmsg": "system busy"}` (wecom.md §5: -1 busy, 5xx);
 * - with a rate limit (`rateLimit(perWindow, windowMs)`): the (perWindow+1)-th webhook message of a
 *   key within a sliding window is answered errcode 45009 [91770] without forwarding.
 * Every answer it gave is in `log` (what, when, for which key, the markdown content).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy answered. `outcome`: forwarded (the fake's errcode), or what it injected. */
export interface ProxyRecord {
  at: number;
  key: string;
  content: string;
  outcome: 'forwarded' | 'http502' | 'http503' | 'busy' | 'limited';
  /** errcode the caller saw (HTTP failures: the negated status). */
  errcode: number;
}

/** The proxy; `FlakyWeComProxy.start(fake.baseUrl)`, `close()` when done. */
export class FlakyWeComProxy {
  readonly log: ProxyRecord[] = [];
  private outageUntil = 0;
  private turn = 0;
  private limit?: { perWindow: number; windowMs: number };
  private readonly accepted = new Map<string, number[]>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly target: string,
  ) {}

  /** Starts on an ephemeral port, forwarding to `target` (the fake's base URL). */
  static async start(target: string): Promise<FlakyWeComProxy> {
    let proxy: FlakyWeComProxy | undefined;
    const server = createServer((req, res) => {
      void proxy!.handle(req).then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new FlakyWeComProxy(server, `http://127.0.0.1:${port}`, target);
    return proxy;
  }

  /** Fails every request for the next `ms` milliseconds. */
  outage(ms: number): void {
    this.outageUntil = Date.now() + ms;
  }

  /** Answers 45009 beyond `perWindow` accepted webhook messages per key in a sliding `windowMs`. */
  rateLimit(perWindow: number, windowMs: number): void {
    this.limit = { perWindow, windowMs };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    const key = url.searchParams.get('key') ?? '';
    let content = '';
    try {
      content = (JSON.parse(text) as { markdown?: { content?: string } }).markdown?.content ?? '';
    } catch {
      /* not JSON: forwarded as is */
    }
    const at = Date.now();
    const rec = (outcome: ProxyRecord['outcome'], errcode: number) =>
      this.log.push({ at, key, content, outcome, errcode });
    if (at < this.outageUntil) {
      const kind = (['http502', 'http503', 'busy'] as const)[this.turn++ % 3];
      if (kind === 'busy') {
        rec(kind, -1);
        return { status: 200, body: JSON.stringify({ errcode: -1, errmsg: 'system busy' }) };
      }
      const status = kind === 'http502' ? 502 : 503;
      rec(kind, -status);
      return { status, body: JSON.stringify({ error: 'upstream' }) };
    }
    if (this.limit && url.pathname === '/cgi-bin/webhook/send') {
      const recent = (this.accepted.get(key) ?? []).filter((t) => at - t < this.limit!.windowMs);
      if (recent.length >= this.limit.perWindow) {
        rec('limited', 45009);
        return { status: 200, body: JSON.stringify({ errcode: 45009, errmsg: 'api freq out of limit' }) };
      }
      this.accepted.set(key, [...recent, at]);
    }
    // logged before forwarding (the fake records the message on receipt, before its answer is back
    // here: a test that saw it at the fake sees this request in the log too); errcode set on return
    const forwarded: ProxyRecord = { at, key, content, outcome: 'forwarded', errcode: 0 };
    this.log.push(forwarded);
    const res = await fetch(`${this.target}${url.pathname}${url.search}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : text,
    });
    const body = await res.text();
    let errcode = 0;
    try {
      errcode = (JSON.parse(body) as { errcode?: number }).errcode ?? 0;
    } catch {
      errcode = -res.status;
    }
    forwarded.errcode = errcode;
    return { status: res.status, body };
  }
}
