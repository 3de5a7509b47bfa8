/**
 * scripts/dingtalk-send-test.ts run as a real process against the DingTalk adapter in HTTP mode
 * (issue 13 item 8): it signs the callback like DingTalk (dingtalk.md §1a), serves the sessionWebhook
 * and prints the bot's reply with its `@userId` mention.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as netServer } from 'node:net';
import { promisify } from 'node:util';
import Router from '@koa/router';
import Koa from 'koa';
import pino from 'pino';
import { DingTalkAdapter } from '../../../src/bot/adapters/dingtalk/index.js';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('signs and posts a robot callback like DingTalk and prints the sessionWebhook reply', async () => {
  const listen = await freePort();
  const seen = new Set<string>();
  const adapter = new DingTalkAdapter({
    mode: 'http',
    clientId: 'k',
    clientSecret: 'send-test-secret',
    robotCode: 'k',
    apiBase: 'http://127.0.0.1:9',
    oapiBase: `http://127.0.0.1:${listen}`,
    timeoutMs: 3000,
    callbackWindowMs: 3_600_000,
    customRobots: {},
    dedupe: { firstSeen: async (p, id) => !seen.has(`${p}:${id}`) && !!seen.add(`${p}:${id}`) },
    logger: pino({ level: 'silent' }),
  });
  adapter.init(async (e) => {
    await e.reply({ text: `收到：${e.type === 'message' ? e.text : ''} @{${e.userId}}` });
  });
  const router = new Router();
  adapter.routes(router);
  const app = new Koa().use(router.routes());
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks/dingtalk/robot`;
    const { stdout } = await run(
      'node_modules/.bin/tsx',
      [
        'scripts/dingtalk-send-test.ts',
        '--chat',
        'cidRelief002==',
        '--user',
        'dt0005',
        '--text',
        '/上报 测试',
        '--url',
        url,
        '--listen',
        String(listen),
        '--wait',
        '10',
      ],
      { env: { ...process.env, DINGTALK_CLIENT_SECRET: 'send-test-secret' } },
    );
    expect(stdout).toContain('HTTP 200');
    expect(stdout).toContain('收到：/上报 测试 @dt0005');
    expect(stdout).toContain('"atUserIds"');
  } finally {
    await adapter.drain();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}, 30_000);
