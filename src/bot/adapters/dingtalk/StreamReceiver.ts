/**
 * Stream mode (dingtalk.md §1b, §7.1–7.4) around `dingtalk-stream` 2.1.5, whose own reconnect and
 * heartbeat are not trusted: the SDK only opens the gateway ticket and the socket (its autoReconnect
 * and keepAlive are off); this class owns the connection's life.
 *
 * - A fresh `DWClient` per connection; the previous socket is terminated and its listeners dropped,
 *   and the only timer is one watchdog interval per receiver (no socket or timer leak).
 * - Watchdog: every `idleMs / 4` (at most 5 s) it sends a WebSocket ping; no frame (message, ping
 *   or pong) for `idleMs` (default 60 s) → reconnect. This also catches a half-open connection
 *   that never closes (dingtalk.md §7.1).
 * - A `disconnect` system frame → a new connection at once, the old one closed once it is up.
 * - Close/error or a failed connect → retry with exponential backoff and full jitter.
 * - `onFrame` gets every CALLBACK frame of the subscribed topics with an `ack(response)`; the
 *   handler acknowledges when it has persisted the event (unacknowledged ones are re-pushed).
 */
import { DWClient, type DWClientConfig, type DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'pino';
import type WebSocket from 'ws';

/** Options (times in ms). */
export interface StreamReceiverOptions {
  clientId: string;
  clientSecret: string;
  /** CALLBACK topics to subscribe, e.g. TOPIC_ROBOT and TOPIC_CARD. */
  topics: string[];
  /** Handles one frame; must call `ack` once the event is persisted. Errors are logged. */
  onFrame(frame: DWClientDownStream, ack: (response: unknown) => void): Promise<void>;
  logger: Logger;
  /** No frame for this long → reconnect (DINGTALK_STREAM_IDLE_MS, default 60000). */
  idleMs?: number;
  /** First backoff delay (default 1000) and cap (default 60000), ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

interface Connection {
  client: DWClient;
  socket: WebSocket;
  lastFrameAt: number;
  id: number;
}

/** See the module comment. */
export class StreamReceiver {
  private current?: Connection;
  private stopped = true;
  private failures = 0;
  private nextId = 0;
  private watchdog?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private connecting?: Promise<void>;
  /** How many connections were opened so far (tests and logs). */
  opened = 0;
  private readonly log: Logger;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly opts: StreamReceiverOptions) {
    this.log = opts.logger.child({ part: 'dingtalk-stream' });
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return !!this.current;
  }

  /** Timers this receiver holds now (watchdog, retry): 0 after `stop` (leak checks). */
  get timers(): number {
    return (this.watchdog ? 1 : 0) + (this.retryTimer ? 1 : 0);
  }

  /** Starts connecting; resolves after the first attempt (retries continue in the background). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const idleMs = this.opts.idleMs ?? 60_000;
    this.watchdog = setInterval(
      () => {
        const c = this.current;
        if (!c) return;
        if (Date.now() - c.lastFrameAt > idleMs) this.lost(c, 'idle');
        else if (c.socket.readyState === c.socket.OPEN) c.socket.ping();
      },
      Math.max(50, Math.min(5000, Math.floor(idleMs / 4))),
    );
    this.watchdog.unref();
    await this.connect();
  }

  /** Closes the connection and every timer. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.watchdog = this.retryTimer = undefined;
    await this.connecting?.catch(() => undefined);
    if (this.current) this.close(this.current);
    this.current = undefined;
  }

  /** Resolves when a connection is open (at once if one is). */
  waitConnected(): Promise<void> {
    if (this.current) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const client = new DWClient({
      clientId: this.opts.clientId,
      clientSecret: this.opts.clientSecret,
      keepAlive: false,
    });
    (client.config as DWClientConfig).autoReconnect = false;
    const id = ++this.nextId;
    for (const topic of this.opts.topics) {
      client.registerCallbackListener(topic, (frame: DWClientDownStream) => {
        const conn = this.current?.id === id ? this.current : undefined;
        const ack = (response: unknown) => client.socketCallBackResponse(frame.headers.messageId, response);
        this.opts.onFrame(frame, ack).catch((err) => this.log.error({ err, topic }, 'dingtalk stream frame failed'));
        if (conn) conn.lastFrameAt = Date.now();
      });
    }
    try {
      await client.getEndpoint();
      await client._connect();
    } catch (err) {
      this.terminate(client);
      this.failures++;
      this.log.warn({ err: (err as Error).message, failures: this.failures }, 'dingtalk stream connect failed');
      this.scheduleRetry();
      return;
    }
    const socket = (client as unknown as { socket: WebSocket }).socket;
    const conn: Connection = { client, socket, lastFrameAt: Date.now(), id };
    if (this.stopped) {
      this.close(conn);
      return;
    }
    const old = this.current;
    this.current = conn;
    this.opened++;
    this.failures = 0;
    const touch = () => {
      conn.lastFrameAt = Date.now();
    };
    socket.on('ping', touch);
    socket.on('pong', touch);
    socket.on('message', (data: WebSocket.RawData) => {
      touch();
      let msg: { type?: string; headers?: { topic?: string } } | undefined;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (msg?.type === 'SYSTEM' && msg.headers?.topic === 'disconnect') this.lost(conn, 'disconnect');
    });
    socket.on('close', () => this.lost(conn, 'close'));
    socket.on('error', (err) => this.lost(conn, `error: ${err.message}`));
    if (old) this.close(old);
    this.log.info({ connection: id }, 'dingtalk stream connected');
    for (const w of this.waiters.splice(0)) w();
  }

  /** The connection `c` is gone (or going): replace it (at once after `disconnect`, else with backoff). */
  private lost(c: Connection, reason: string): void {
    if (this.current !== c || this.stopped) return;
    this.log.warn({ connection: c.id, reason }, 'dingtalk stream connection lost; reconnecting');
    if (reason === 'disconnect') {
      // The server closes ~10 s later: open the new one first, then close this one (in `open`).
      void this.connect();
      return;
    }
    this.current = undefined;
    this.close(c);
    this.failures++;
    this.scheduleRetry(this.failures === 1 ? 0 : undefined);
  }

  private scheduleRetry(delayMs?: number): void {
    if (this.stopped || this.retryTimer) return;
    const base = this.opts.backoffBaseMs ?? 1000;
    const max = this.opts.backoffMaxMs ?? 60_000;
    const cap = Math.min(max, base * 2 ** Math.max(0, this.failures - 1));
    const delay = delayMs ?? Math.floor(cap / 2 + Math.random() * (cap / 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  private close(c: Connection): void {
    c.socket.removeAllListeners();
    this.terminate(c.client);
  }

  private terminate(client: DWClient): void {
    const socket = (client as unknown as { socket?: WebSocket }).socket;
    client.removeAllListeners();
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
    }
  }
}
