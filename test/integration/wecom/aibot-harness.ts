/**
 * Test harness: the WeCom AI-bot adapter mounted in a tiny Koa app on 127.0.0.1 (ephemeral port),
 * the fake WeCom server, the callback simulator, an in-memory dedupe and a captured pino log.
 * The full bot app is built elsewhere; here a test sink stands in for the Bot hub.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { pino } from 'pino';
import { WeComAiBotAdapter, type WeComAiBotAdapterOptions } from '../../../src/bot/adapters/wecom/index.js';
import type { EventDedupe, InboundEvent } from '../../../src/bot/types.js';
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import { WeComCallbackClient } from '../../fakes/wecom/WeComCallbackClient.js';

export const TOKEN = 'tokenForTests123';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** Remembers ids in memory (the real one is the store's). */
export class MemoryDedupe implements EventDedupe {
  private readonly seen = new Set<string>();
  async firstSeen(platform: string, eventId: string): Promise<boolean> {
    const k = `${platform}:${eventId}`;
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    return true;
  }
}

/** Everything a test needs. */
export interface Harness {
  fake: FakeWeComServer;
  adapter: WeComAiBotAdapter;
  client: WeComCallbackClient;
  botUrl: string;
  /** Events handed to the sink, in order. */
  events: InboundEvent[];
  /** Raw JSON log lines. */
  logs: string[];
  /** Replaces what the sink does with each event (default: nothing). */
  setHandler(fn: (e: InboundEvent) => Promise<void>): void;
  close(): Promise<void>;
}

/** Starts fake, adapter and app. `overrides` replace adapter options (webhookKeys keys must be added to the fake by the test). */
export async function startHarness(overrides: Partial<WeComAiBotAdapterOptions> = {}): Promise<Harness> {
  const fake = await FakeWeComServer.start();
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        logs.push(line);
      },
    },
  );
  const adapter = new WeComAiBotAdapter({
    token: TOKEN,
    encodingAESKey: AES_KEY,
    callbackWindowSeconds: 300,
    passiveReplyMs: 2000,
    apiBase: fake.baseUrl,
    webhookKeys: {},
    dedupe: new MemoryDedupe(),
    logger,
    botName: '舆情助手',
    webhookRetry: { tries: 3, baseDelayMs: 5 },
    ...overrides,
  });
  const events: InboundEvent[] = [];
  let handler: (e: InboundEvent) => Promise<void> = async () => undefined;
  adapter.init(async (e) => {
    events.push(e);
    await handler(e);
  });
  const app = new Koa();
  const router = new Router();
  adapter.routes(router);
  app.use(router.routes());
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks/wecom/aibot`;
  const client = new WeComCallbackClient({ token: TOKEN, encodingAESKey: AES_KEY, botUrl, fake, aibotid: 'aibTest' });
  return {
    fake,
    adapter,
    client,
    botUrl,
    events,
    logs,
    setHandler: (fn) => {
      handler = fn;
    },
    close: async () => {
      await adapter.drain();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fake.close();
    },
  };
}

/** A promise with its resolver, to hold a handler until the test lets it go (no sleeps). */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
