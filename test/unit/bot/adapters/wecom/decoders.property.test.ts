/**
 * Property tests (fast-check) for the WeCom inbound decoders (issue 14 "Property tests", item 4):
 * the crypto `decryptMessage` of arbitrary bytes, `decodeCallbackJson` of arbitrary text and
 * `parseAiBotCallback` (to-inbound-event) of arbitrary JSON never throw anything but the coded
 * 4xx errors (BadRequestError / SignatureError), and always yield a known kind of callback.
 * Platform ids are kept as text exactly as received: a numeric `msgid` above 2^53 keeps every
 * digit (wecom.md §5 "dedupe on msgid (string)"). Runs: FAST_CHECK_RUNS (default 300).
 */
import fc from 'fast-check';
import { decryptMessage, encryptReply } from '../../../../../src/bot/adapters/wecom/crypto.js';
import { decodeCallbackJson, parseAiBotCallback } from '../../../../../src/bot/adapters/wecom/to-inbound-event.js';
import { BadRequestError, CodedError, SignatureError } from '../../../../../src/errors.js';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 300);
const KEY = 'k16CaRnVVnDh+81EzgIOlbKEvqqPjKMyQHp/ud21R3M';
const KINDS = ['message', 'card', 'enter_chat', 'unsupported', 'ignored'];

/** Asserts `err` is one of the coded client errors the callback route answers with 4xx. */
function expectClientError(err: unknown): void {
  expect(err).toBeInstanceOf(CodedError);
  expect(err instanceof BadRequestError || err instanceof SignatureError).toBe(true);
  expect((err as CodedError).status).toBeGreaterThanOrEqual(400);
  expect((err as CodedError).status).toBeLessThan(500);
}

test('decryptMessage: arbitrary bytes (as base64) or arbitrary text decrypt to a string or fail with a 4xx coded error', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
        fc.uint8Array({ minLength: 32, maxLength: 256 }).map((b) => Buffer.from(b).toString('base64')),
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
      ),
      fc.constantFrom('', 'ww1436e0e65a779aee'),
      (encrypted, receiveId) => {
        try {
          expect(typeof decryptMessage(KEY, encrypted, receiveId)).toBe('string');
        } catch (err) {
          expectClientError(err);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('decryptMessage: a frame encrypted for us round-trips any text; one for another receiver is a SignatureError', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
      const sealed = encryptReply('token', KEY, text, '', 1_700_000_000, 'nonce');
      expect(decryptMessage(KEY, sealed.encrypt, '')).toBe(text);
      const other = encryptReply('token', KEY, text, 'wwOtherCorp', 1_700_000_000, 'nonce');
      expect(() => decryptMessage(KEY, other.encrypt, '')).toThrow(SignatureError);
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
});

test('decodeCallbackJson: any text is JSON (numbers kept as their source text) or a BadRequestError', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.json(), fc.string({ maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 60 })),
      (text) => {
        try {
          decodeCallbackJson(text);
        } catch (err) {
          expect(err).toBeInstanceOf(BadRequestError);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('a numeric msgid of any size keeps every digit: two ids that collapse to one double stay two events', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }), (id) => {
      const body = (msgid: bigint) =>
        `{"msgid": ${msgid}, "msgtype": "text", "chattype": "group", "chatid": "wrRelief002", "from": {"userid": "ChenJing"}, "text": {"content": "@舆情助手 /帮助"}}`;
      const a = parseAiBotCallback(decodeCallbackJson(body(id)), '舆情助手');
      const b = parseAiBotCallback(decodeCallbackJson(body(id + 1n)), '舆情助手');
      expect(a.eventId).toBe(id.toString());
      expect(b.eventId).toBe((id + 1n).toString());
      expect(a.eventId).not.toBe(b.eventId);
    }),
    { numRuns: RUNS },
  );
});

/** Callback-shaped objects whose fields hold anything (right types, wrong types, missing). */
const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.constant(undefined));
const callbackLike = fc.record(
  {
    msgid: fc.oneof(fc.string(), fc.bigInt().map(String), anything),
    msgtype: fc.oneof(fc.constantFrom('text', 'voice', 'mixed', 'event', 'image', 'file', 'stream'), anything),
    chattype: fc.oneof(fc.constantFrom('group', 'single'), anything),
    chatid: anything,
    response_url: anything,
    create_time: anything,
    from: fc.oneof(fc.record({ userid: fc.oneof(fc.string(), anything) }), anything),
    text: fc.oneof(fc.record({ content: fc.oneof(fc.string(), anything) }), anything),
    voice: fc.oneof(fc.record({ content: anything }), anything),
    mixed: fc.oneof(
      fc.record({ msg_item: fc.array(fc.record({ msgtype: fc.constantFrom('text', 'image'), text: anything })) }),
      anything,
    ),
    event: fc.oneof(
      fc.record({
        eventtype: fc.oneof(fc.constantFrom('template_card_event', 'enter_chat', 'feedback_event'), anything),
        template_card_event: fc.oneof(fc.record({ task_id: anything, event_key: anything }), anything),
        task_id: anything,
        event_key: anything,
      }),
      anything,
    ),
  },
  { requiredKeys: [] },
);

test('parseAiBotCallback (to-inbound-event): any JSON yields a known kind with a non-empty event id and user, or a BadRequestError', () => {
  fc.assert(
    fc.property(fc.oneof(callbackLike, fc.jsonValue()), fc.constantFrom(undefined, '舆情助手'), (input, botName) => {
      let parsed: ReturnType<typeof parseAiBotCallback>;
      try {
        parsed = parseAiBotCallback(input, botName);
      } catch (err) {
        expect(err).toBeInstanceOf(BadRequestError);
        return;
      }
      expect(KINDS).toContain(parsed.kind);
      expect(typeof parsed.eventId).toBe('string');
      expect(parsed.eventId.length).toBeGreaterThan(0);
      expect(typeof parsed.userId).toBe('string');
      if (parsed.kind === 'message') expect(typeof parsed.text).toBe('string');
      if (parsed.kind === 'card') expect(parsed.cardId && parsed.key).toBeTruthy();
      if (parsed.chatId !== undefined) expect(typeof parsed.chatId).toBe('string');
    }),
    { numRuns: RUNS },
  );
});
