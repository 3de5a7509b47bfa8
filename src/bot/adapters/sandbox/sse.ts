/**
 * Server-Sent Events for one sandbox conversation (`GET /api/sandbox/chats/:chatId/stream`).
 * Events: `message` (a new message, data = the `SandboxMessage` JSON) and `update` (a card replaced
 * in place, data = the whole updated message). A comment line is sent every `heartbeatMs` ms so
 * proxies keep the connection open. The page re-fetches the history when EventSource reconnects.
 */
import type { Context } from 'koa';
import type { SandboxTranscript } from './SandboxTranscript.js';
import type { SandboxLogger } from './sandbox-types.js';

/** Open streams, so `stop()` can end them (an open stream would keep the HTTP server from closing). */
export class EventStreams {
  private readonly open = new Set<() => void>();

  /**
   * Turns `ctx` into an event stream of `conversationId`'s changes. The caller has already checked
   * that the conversation exists.
   */
  attach(
    ctx: Context,
    transcript: SandboxTranscript,
    conversationId: string,
    heartbeatMs: number,
    logger: SandboxLogger,
  ): void {
    // Koa would pipe a stream body and report the client's disconnect as an error ("Premature
    // close"), so the response is written directly and Koa is told not to respond.
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.respond = false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });

    const write = (chunk: string): void => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const unsubscribe = transcript.subscribe(conversationId, (kind, message) => {
      write(`event: ${kind}\ndata: ${JSON.stringify(message)}\n\n`);
    });
    const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(close);
      if (!res.writableEnded) res.end();
      logger.debug({ conversationId }, 'sandbox event stream closed');
    };
    this.open.add(close);
    res.on('close', close);
    res.on('error', close);
    write('retry: 2000\n: connected\n\n');
    logger.debug({ conversationId }, 'sandbox event stream opened');
  }

  /** Number of open streams (for tests and diagnostics). */
  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}
