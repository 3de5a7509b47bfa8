/**
 * Test harness for the sandbox: a real Koa + @koa/router server on 127.0.0.1:0 with the adapter
 * mounted and the echo sink (fixtures.ts) registered. Re-exports the fixtures.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { SandboxAdapter, type SandboxAdapterOptions } from '../../../src/bot/adapters/sandbox/index.js';
import type { InboundEvent } from '../../../src/bot/types.js';
import { demoDirectory, echoSink, memoryLogger } from './fixtures.js';

export * from './fixtures.js';

/** A running server with the adapter mounted. */
export interface SandboxServer {
  adapter: SandboxAdapter;
  logger: ReturnType<typeof memoryLogger>;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts Koa on 127.0.0.1:0 with the adapter's routes; `globalBodyParser` puts @koa/bodyparser in
 * front, as server.ts may do. `close` stops the adapter (ending SSE streams) and the server.
 */
export async function startSandboxServer(
  opts: { globalBodyParser?: boolean; sink?: (e: InboundEvent) => Promise<void>; adapter?: SandboxAdapterOptions } = {},
): Promise<SandboxServer> {
  const logger = memoryLogger();
  const adapter = new SandboxAdapter(demoDirectory, logger, opts.adapter);
  adapter.init(opts.sink ?? echoSink);
  const app = new Koa();
  if (opts.globalBodyParser) app.use(bodyParser());
  const router = new Router();
  adapter.routes(router);
  app.use(router.routes()).use(router.allowedMethods());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    adapter,
    logger,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await adapter.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
