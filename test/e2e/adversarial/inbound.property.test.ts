/**
 * Property tests (fast-check) at the HTTP boundary (issue 14 "Property tests"), over real HTTP
 * against the whole bot (real PostgreSQL, real Agenda, WeCom adapter and sandbox on):
 * - the WeCom callback's http-body reader and decoders: arbitrary request bodies, and arbitrary
 *   plaintexts correctly signed and encrypted [101033], are answered 200 or 4xx JSON, never 5xx;
 * - the sandbox API bodies (`POST /api/sandbox/messages`, `…/cards/:id/actions`): 202 or 4xx JSON
 *   `{error, message}`, never 5xx;
 * - arbitrary command texts through the sandbox and WeCom: every answer is a command's answer, an
 *   ignore (no answer) or a clear error — never the generic "处理出错" / apology.
 * Runs: FAST_CHECK_HTTP_RUNS (default 60 per property; each run is one or more HTTP requests).
 */
import fc from 'fast-check';
import { postCallback } from '../../../src/bot/adapters/wecom/callback-builder.js';
import { say } from '../../helpers/chat.js';
import { E2E_AES_KEY, E2E_TOKEN, RELIEF_CHAT, startWeComE2E, type WeComE2E } from '../support/wecom-app.js';

const RUNS = Number(process.env.FAST_CHECK_HTTP_RUNS ?? 60);
const GENERIC = /处理出错|抱歉，处理您的请求时出错了|沙盒内部错误|internal error/;
let w: WeComE2E;
beforeAll(async () => {
  w = await startWeComE2E();
}, 60_000);
afterAll(async () => {
  await w?.stop();
});

/** Asserts a 2xx, or a 4xx whose body is JSON `{error, message}`. */
async function expectHandled(res: Response, okStatuses: number[]): Promise<string> {
  const text = await res.text();
  if (okStatuses.includes(res.status)) return text;
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(JSON.parse(text)).toEqual({ error: expect.any(String), message: expect.any(String) });
  return text;
}

const jsonish = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify({ encrypt: v })),
  fc.uint8Array({ maxLength: 200 }).map((b) => JSON.stringify({ encrypt: Buffer.from(b).toString('base64') })),
);

test('WeCom callback: arbitrary bodies under arbitrary queries are answered 200 or 4xx JSON, never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      jsonish,
      fc.record(
        {
          msg_signature: fc.string({ maxLength: 50 }),
          timestamp: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(String(Math.floor(Date.now() / 1000)))),
          nonce: fc.string({ maxLength: 20 }),
        },
        { requiredKeys: [] },
      ),
      async (body, query) => {
        const u = new URL(w.botUrl);
        for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
        const res = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await expectHandled(res, [200]);
      },
    ),
    { numRuns: RUNS },
  );
});

/** Plaintexts WeCom could send, valid or not: any JSON, callback-shaped objects, numeric msgids. */
const plaintext = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 80 }),
  fc
    .record({
      msgid: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), fc.uuid()),
      msgtype: fc.constantFrom('text', 'event', 'image', 'mixed', 'voice', 'nonsense'),
      chatid: fc.constantFrom(RELIEF_CHAT, 'wrUnknown', ''),
      userid: fc.constantFrom('ChenJing', 'LiuYang', 'stranger', ''),
      content: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('@舆情助手 /帮助', '@舆情助手 /查看 YQ-1')),
      numericId: fc.boolean(),
    })
    .map((r) => {
      const msgid = r.numericId && /^\d+$/.test(r.msgid) ? r.msgid : JSON.stringify(r.msgid);
      return `{"msgid": ${msgid}, "msgtype": ${JSON.stringify(r.msgtype)}, "chattype": "group", "chatid": ${JSON.stringify(r.chatid)}, "from": {"userid": ${JSON.stringify(r.userid)}}, "text": {"content": ${JSON.stringify(r.content)}}, "event": {"eventtype": "template_card_event", "template_card_event": {"task_id": "ack-YQ-1", "event_key": "ack:YQ-1"}}}`;
    }),
);

test('WeCom callback: arbitrary plaintexts, signed and encrypted like WeCom, are answered 200 or 4xx — never 5xx, never the generic apology', async () => {
  await fc.assert(
    fc.asyncProperty(plaintext, async (text) => {
      const sealed = w.client.seal(text as never);
      const res = await postCallback(w.botUrl, sealed, E2E_TOKEN, E2E_AES_KEY);
      expect(res.status === 200 || (res.status >= 400 && res.status < 500)).toBe(true);
      expect(JSON.stringify(res.reply ?? '')).not.toMatch(GENERIC);
    }),
    { numRuns: RUNS },
  );
  await w.app.wecom!.drain();
});

test('sandbox API: arbitrary bodies to /messages and /cards/:id/actions are 202 or 4xx JSON, never 5xx', async () => {
  const field = fc.oneof(
    fc.constantFrom('relief', 'leaders', '@chenjing', 'nope', 'chenjing', 'liuyang', 'ack:YQ-1', ''),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const body = fc.oneof(
    jsonish,
    fc
      .record(
        { chatId: field, userId: field, text: fc.oneof(fc.string({ maxLength: 50 }), field) },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  );
  await fc.assert(
    fc.asyncProperty(body, fc.string({ maxLength: 20 }), async (b, cardId) => {
      const m = await fetch(`${w.app.url}/api/sandbox/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: b,
      });
      await expectHandled(m, [202]);
      const c = await fetch(`${w.app.url}/api/sandbox/cards/${encodeURIComponent(cardId || 'x')}/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: b,
      });
      await expectHandled(c, [202]);
    }),
    { numRuns: RUNS },
  );
  await w.app.sandbox!.idle();
});

/** Command texts: a real command word (name or alias), then arbitrary argument pieces. */
const commandText = fc
  .tuple(
    fc.constantFrom(
      ...[
        '上报',
        '签收',
        '定级',
        '分类',
        '进展',
        '指派',
        '发布',
        '平息',
        '反馈',
        '完成',
        '定性',
        '办结',
        '重开',
        '查看',
        '列表',
        '帮助',
        'ack',
        'show',
        'nosuch',
      ],
    ),
    fc.array(
      fc.oneof(
        fc.constantFrom(
          'YQ-20261129-001',
          'YQ-2026112-001',
          '@刘洋',
          '@{liuyang}',
          '重大',
          '轻微',
          '三级',
          'I',
          '签收',
          '全部',
          '逾期',
        ),
        fc.string({ maxLength: 10 }),
      ),
      { maxLength: 5 },
    ),
  )
  .map(([name, args]) => `/${name} ${args.join(' ')}`);

test('arbitrary commands in the sandbox: each yields an answer or an ignore, never the generic error', async () => {
  await fc.assert(
    fc.asyncProperty(commandText, fc.constantFrom('chenjing', 'liuyang', 'wangjg'), async (text, who) => {
      const chat = who === 'wangjg' ? 'leaders' : 'relief';
      const replies = await say(w.app, chat, who, text);
      for (const r of replies) expect(r.text).not.toMatch(GENERIC);
    }),
    { numRuns: RUNS },
  );
});

test('arbitrary commands over WeCom: each passive answer is a command result or a clear error, never the apology', async () => {
  await fc.assert(
    fc.asyncProperty(commandText, async (text) => {
      const ex = await w.client.sendText({ chatId: RELIEF_CHAT, userId: 'ChenJing', text: `@舆情助手 ${text}` });
      expect(ex.status).toBe(200);
      expect(JSON.stringify(ex.reply ?? '')).not.toMatch(GENERIC);
    }),
    { numRuns: RUNS },
  );
  await w.app.wecom!.drain();
});
