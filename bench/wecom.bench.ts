/**
 * (e) WeCom AI-bot callback handling, measured from the caller's side: build the callback, encrypt
 * and sign it (callback-builder, receiveid "" [100719, 101033]), POST it to the running bot on
 * 127.0.0.1, and verify + decrypt the passive reply. The bot verifies, decrypts, dedupes in
 * PostgreSQL, hands the event to the Bot hub and answers within the passive window. WECOM_API_BASE
 * points at a local dummy that answers every call with `{"errcode":0}` (nothing leaves the machine).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTextCallback, postCallback, sealCallback } from '../src/bot/adapters/wecom/callback-builder.js';
import { type BenchApp, startBenchApp } from './lib/env.js';
import { type BenchRow, latencyRow, runPool } from './lib/stats.js';

/** Sizes of the run. */
export interface WeComBenchOptions {
  /** Callbacks per case. */
  total: number;
  /** Callbacks in flight in the concurrent case. */
  concurrency: number;
}

/** A loopback stand-in for qyapi.weixin.qq.com that accepts everything and counts calls. */
async function startDummyApi(): Promise<{ url: string; calls: () => number; close(): Promise<void> }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs (e) on its own bot; stops the bot, its PostgreSQL and the dummy before returning or throwing. */
export async function benchWeCom(o: WeComBenchOptions): Promise<BenchRow[]> {
  const token = crypto.randomBytes(12).toString('hex');
  const aesKey = crypto.randomBytes(32).toString('base64').slice(0, 43);
  const dummy = await startDummyApi();
  let app: BenchApp | undefined;
  try {
    app = await startBenchApp({
      settings: {
        SANDBOX: 'off',
        WECOM_AIBOT_TOKEN: token,
        WECOM_AIBOT_ENCODING_AES_KEY: aesKey,
        WECOM_API_BASE: dummy.url,
      },
    });
    const botUrl = `${app.url}/callbacks/wecom/aibot`;
    const bot = app.directory.botName;
    const chat = app.directory.chat('relief')!.wecomChatId!;
    const user = app.directory.person('chenjing')!.wecomUserId!;

    /** One round trip; `expect` must appear in the decrypted passive reply. */
    const roundTrip = async (text: string, expect: string): Promise<void> => {
      const plaintext = buildTextCallback({
        userId: user,
        chatId: chat,
        text: `@${bot} ${text}`,
        responseUrl: `${dummy.url}/cgi-bin/aibot/response?response_code=bench`,
      });
      const res = await postCallback(botUrl, sealCallback(token, aesKey, plaintext), token, aesKey);
      if (res.status !== 200) throw new Error(`callback answered ${res.status}: ${res.rawBody.slice(0, 200)}`);
      if (!JSON.stringify(res.reply ?? '').includes(expect))
        throw new Error(`passive reply lacks "${expect}": ${res.rawBody.slice(0, 200)}`);
    };

    await runPool(20, 1, (i) => roundTrip(`/上报 企业微信基准预热 WARM-${i}`, `WARM-${i}`));
    const help = await runPool(o.total, 1, () => roundTrip('/帮助', '/上报'));
    const seq = await runPool(o.total, 1, (i) =>
      roundTrip(`/上报 企业微信基准：网传救助站拒收 WSEQ-${i}`, `WSEQ-${i}`),
    );
    const con = await runPool(o.total, o.concurrency, (i) =>
      roundTrip(`/上报 企业微信基准：网传救助站拒收 WCON-${i}`, `WCON-${i}`),
    );
    const lateCalls = dummy.calls();
    return [
      latencyRow(
        '(e) WeCom callback',
        '/帮助, sequential',
        help.latencies,
        help.wallMs,
        'seal → POST → verify, decrypt, dedupe → Bot → encrypted passive reply → open',
      ),
      latencyRow(
        '(e) WeCom callback',
        '/上报, sequential',
        seq.latencies,
        seq.wallMs,
        'as above + incident opened and planned',
      ),
      latencyRow(
        '(e) WeCom callback',
        `/上报, ${o.concurrency} concurrent`,
        con.latencies,
        con.wallMs,
        `every answer was passive (in the window); calls to the dummy API: ${lateCalls}`,
      ),
    ];
  } finally {
    try {
      await app?.stop();
    } finally {
      await dummy.close();
    }
  }
}
