/**
 * The whole app's HTTP surface under bad input (house rule: "HTTP callers get a 4xx JSON error
 * {error, message}", never a 500) and its health probe: /healthz reports the database and the
 * scheduler, unknown routes are 404, malformed or oversized bodies to the sandbox API and to the
 * WeCom callback [100719, 101033] are refused with 4xx JSON, and the app keeps serving afterwards.
 */
import { sealCallback } from '../../src/bot/adapters/wecom/callback-builder.js';
import { computeSignature } from '../../src/bot/adapters/wecom/crypto.js';
import { say } from '../helpers/chat.js';
import { E2E_AES_KEY, E2E_TOKEN, startWeComE2E, type WeComE2E } from './support/wecom-app.js';

let w: WeComE2E;
beforeAll(async () => {
  w = await startWeComE2E();
});
afterAll(async () => {
  await w?.stop();
});

/** A raw request to the app; `body` may be a string or a stream (chunked, no content-length). */
async function request(
  method: string,
  path: string,
  body?: string | ReadableStream<Uint8Array>,
  contentType = 'application/json',
) {
  const res = await fetch(`${w.app.url}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { 'content-type': contentType },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: json as { error?: string; message?: string } | undefined,
  };
}

/** A body of `bytes` bytes streamed in 64 KiB chunks without a content-length. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (sent >= bytes) {
        ctrl.close();
        return;
      }
      const n = Math.min(65536, bytes - sent);
      sent += n;
      ctrl.enqueue(new Uint8Array(n).fill(0x61));
    },
  });
}

/** Asserts a refused request: 4xx, JSON `{error, message}`. */
function expectRefused(r: Awaited<ReturnType<typeof request>>, status?: number): void {
  if (status) expect(r.status).toBe(status);
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(r.type).toMatch(/application\/json/);
  expect(r.json).toEqual({ error: expect.any(String), message: expect.any(String) });
}

/** A signed query for `encrypt` (valid signature and fresh timestamp). */
function signedQuery(encrypt: string): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = 'e2enonce';
  return new URLSearchParams({
    msg_signature: computeSignature(E2E_TOKEN, timestamp, nonce, encrypt),
    timestamp,
    nonce,
  }).toString();
}

const CALLBACK = '/callbacks/wecom/aibot';

test('GET /healthz is 200 {"status":"ok","db":"up","scheduler":"up"} while database and scheduler run', async () => {
  const r = await request('GET', '/healthz');
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({ status: 'ok', db: 'up', scheduler: 'up', delivery: { dead: 0, lastError: null } });
});

test('unknown routes are 404 and a wrong method is 405, each with a JSON error body', async () => {
  expectRefused(await request('GET', '/no/such/route'), 404);
  expectRefused(await request('DELETE', '/healthz'), 405);
  expectRefused(await request('POST', '/api/sandbox/nothing-here', '{}'), 404);
  expectRefused(await request('GET', '/api/sandbox/chats/no-such-chat/messages'), 404);
});

test('the sandbox API answers bad JSON, wrong shapes and oversized bodies with 4xx JSON, never 500', async () => {
  expectRefused(await request('POST', '/api/sandbox/messages', '{"chatId": "relief", '), 400);
  expectRefused(await request('POST', '/api/sandbox/messages', ''), 400);
  expectRefused(await request('POST', '/api/sandbox/messages', '[1,2,3]'), 400);
  expectRefused(
    await request('POST', '/api/sandbox/messages', JSON.stringify({ chatId: 'relief', userId: 'chenjing', text: 42 })),
    400,
  );
  expectRefused(
    await request(
      'POST',
      '/api/sandbox/messages',
      JSON.stringify({ chatId: 'nowhere', userId: 'chenjing', text: '/帮助' }),
    ),
  );
  expectRefused(await request('POST', '/api/sandbox/cards/no-card/actions', 'not json'), 400);
  expectRefused(
    await request(
      'POST',
      '/api/sandbox/messages',
      JSON.stringify({ chatId: 'relief', userId: 'chenjing', text: 'x'.repeat(5000) }),
    ),
    400,
  );
  expectRefused(
    await request(
      'POST',
      '/api/sandbox/messages',
      JSON.stringify({ chatId: 'relief', userId: 'chenjing', text: 'x'.repeat(200_000) }),
    ),
    413,
  );
  expectRefused(await request('POST', '/api/sandbox/messages', chunked(200_000)), 413);
});

test('the WeCom callback answers missing parameters, bad JSON, bad shapes, undecryptable and oversized bodies with 4xx JSON, never 500 [101033]', async () => {
  const good = sealCallback(E2E_TOKEN, E2E_AES_KEY, { msgid: 'never-sent', msgtype: 'text' });
  expectRefused(await request('POST', CALLBACK, JSON.stringify(good.body)), 400);
  expectRefused(await request('POST', `${CALLBACK}?${signedQuery('x')}`, '{"encrypt": '), 400);
  expectRefused(await request('POST', `${CALLBACK}?${signedQuery('x')}`, '{"encrypt": 42}'), 400);
  expectRefused(await request('POST', `${CALLBACK}?${signedQuery('x')}`, ''), 400);
  // Correctly signed, but not a WeCom ciphertext: must be refused, not crash the decryption.
  expectRefused(
    await request('POST', `${CALLBACK}?${signedQuery('bm90LWNpcGhlcnRleHQ=')}`, '{"encrypt":"bm90LWNpcGhlcnRleHQ="}'),
    400,
  );
  const garbage = Buffer.alloc(64, 7).toString('base64');
  expectRefused(
    await request('POST', `${CALLBACK}?${signedQuery(garbage)}`, JSON.stringify({ encrypt: garbage })),
    400,
  );
  // Correctly signed and encrypted, but the plaintext is not JSON.
  const notJson = sealCallback(E2E_TOKEN, E2E_AES_KEY, 'plain words, not JSON');
  expectRefused(
    await request('POST', `${CALLBACK}?${new URLSearchParams(notJson.query)}`, JSON.stringify(notJson.body)),
    400,
  );
  expectRefused(await request('GET', `${CALLBACK}?msg_signature=abc&timestamp=yesterday&nonce=n&echostr=e`), 400);
  const big = JSON.stringify({ encrypt: 'A'.repeat(2 * 1024 * 1024) });
  expectRefused(await request('POST', `${CALLBACK}?${new URLSearchParams(good.query)}`, big), 413);
  expectRefused(await request('POST', `${CALLBACK}?${new URLSearchParams(good.query)}`, chunked(2 * 1024 * 1024)), 413);
  expect(await w.app.incidents.list({ kind: 'system' }, {})).toEqual([]);
});

test('an oversized streamed body does not wedge the keep-alive connection: the requests after it on the same client are answered (sandbox API and WeCom callback)', async () => {
  const good = sealCallback(E2E_TOKEN, E2E_AES_KEY, { msgid: 'never-sent-2', msgtype: 'text' });
  for (const path of ['/api/sandbox/messages', `${CALLBACK}?${new URLSearchParams(good.query)}`]) {
    expectRefused(await request('POST', path, chunked(2 * 1024 * 1024)), 413);
    for (let i = 0; i < 4; i++) {
      expectRefused(await request('POST', '/api/sandbox/messages', '{"chatId": "relief"}'), 400);
      expect((await request('GET', '/healthz')).status).toBe(200);
    }
  }
});

test('after all that the app keeps serving: health is ok, a sandbox report opens an incident, a WeCom callback is answered', async () => {
  expect((await request('GET', '/healthz')).status).toBe(200);
  const [reply] = await say(w.app, 'relief', 'chenjing', '/上报 错误请求之后的正常上报');
  expect(reply.text).toMatch(/YQ-\d{8}-001/);
  const ex = await w.client.sendText({ chatId: 'wrRelief002', userId: 'ChenJing', text: '@舆情助手 /帮助' });
  expect(ex.status).toBe(200);
  expect((ex.reply as { stream: { content: string } }).stream.content).toContain('/上报');
});

test('with the scheduler stopped /healthz is 503 with scheduler "down" and db still "up"', async () => {
  await w.app.scheduler.stop();
  const r = await request('GET', '/healthz');
  expect(r.status).toBe(503);
  expect(r.json).toMatchObject({
    status: 'degraded',
    db: 'up',
    scheduler: 'down',
    details: { db: { state: 'up' }, scheduler: { state: 'down', reason: 'stopped' } },
  });
});
