/**
 * LISTEN on one channel over a dedicated connection (not from the pool), reconnecting after a
 * lost connection every `retryMs` (default 1000 ms; one warn per outage). Used to wake the
 * delivery workers of every instance when an outbox row commits (NOTIFY is sent at commit).
 */
import pg from 'pg';
import { silentLogger, type StoreLogger } from './logger.js';

/** A running listener; `stop()` ends it (idempotent). */
export interface Listener {
  stop(): Promise<void>;
}

/** Starts listening; `onNotify` runs for every notification (and once after each reconnect). */
export async function listen(opts: {
  connectionString: string;
  channel: string;
  onNotify: () => void;
  logger?: StoreLogger;
  retryMs?: number;
}): Promise<Listener> {
  const log = opts.logger ?? silentLogger;
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: opts.connectionString });
    c.on('error', () => undefined);
    c.on('notification', () => opts.onNotify());
    c.on('end', () => {
      if (client === c) client = undefined;
      if (!stopped) schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${opts.channel}`);
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      if (warned) log.info({ channel: opts.channel }, 'outbox listener reconnected');
      warned = false;
      opts.onNotify();
    } catch (err) {
      await c.end().catch(() => undefined);
      if (!warned) log.warn({ err: (err as Error).message, channel: opts.channel }, 'outbox listener lost; retrying');
      warned = true;
      throw err;
    }
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch(() => schedule());
    }, opts.retryMs ?? 1000);
  };
  await connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
