/**
 * The sandbox's in-memory transcript: bounded history per conversation, in-place card replacement,
 * change notifications and the event-driven `waitFor` hook (sandbox issue: bounded memory, cards
 * updated in place).
 */
import { SandboxTranscript } from '../../../../../src/bot/adapters/sandbox/SandboxTranscript.js';
import { NotFoundError } from '../../../../../src/errors.js';
import type { Card } from '../../../../../src/bot/types.js';

const card = (id: string, title: string): Card => ({ id, title, buttons: [{ key: 'ack', text: '签收' }] });

test('messages get a UUID id and an ISO UTC time from the injected clock', () => {
  const t = new SandboxTranscript(10, () => Date.parse('2026-11-29T02:03:04.005Z'));
  const m = t.append('leaders', { from: 'bot', text: '你好', mentions: [] });
  expect(m).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    from: 'bot',
    text: '你好',
    mentions: [],
    at: '2026-11-29T02:03:04.005Z',
  });
});

test('history is bounded per conversation: the oldest messages are dropped, other conversations untouched', () => {
  const t = new SandboxTranscript(3);
  for (let i = 1; i <= 5; i++) t.append('a', { from: 'bot', text: `a${i}`, mentions: [] });
  t.append('b', { from: 'bot', text: 'b1', mentions: [] });
  expect(t.list('a').map((m) => m.text)).toEqual(['a3', 'a4', 'a5']);
  expect(t.list('b').map((m) => m.text)).toEqual(['b1']);
});

test('a card dropped from the bounded history can no longer be found or replaced', () => {
  const t = new SandboxTranscript(1);
  const first = t.append('a', { from: 'bot', text: '', mentions: [], card: card('c1', '旧') });
  t.append('a', { from: 'bot', text: 'later', mentions: [] });
  expect(t.findCard('c1')).toBeUndefined();
  expect(() => t.replaceCard(first.id, card('c1', '新'))).toThrow(NotFoundError);
});

test('replaceCard keeps the message id and position and notifies an update', () => {
  const t = new SandboxTranscript(10);
  const seen: string[] = [];
  t.subscribe('a', (kind, m) => seen.push(`${kind}:${m.card?.title ?? m.text}`));
  const m = t.append('a', { from: 'bot', text: '', mentions: [], card: card('c1', '待签收') });
  t.append('a', { from: 'bot', text: '之后', mentions: [] });
  const updated = t.replaceCard(m.id, card('c1', '已签收'));
  expect(updated.id).toBe(m.id);
  expect(t.list('a').map((x) => x.card?.title ?? x.text)).toEqual(['已签收', '之后']);
  expect(t.findCard('c1')?.message.id).toBe(m.id);
  expect(seen).toEqual(['message:待签收', 'message:之后', 'update:已签收']);
});

test('returned messages are copies: mutating them does not change the store', () => {
  const t = new SandboxTranscript(10);
  const m = t.append('a', { from: 'bot', text: 'x', mentions: ['p'], card: card('c1', 'T') });
  m.mentions.push('q');
  m.card!.title = '改';
  expect(t.list('a')[0]).toMatchObject({ mentions: ['p'], card: { title: 'T' } });
});

describe('waitFor', () => {
  test('resolves at once with an existing match', async () => {
    const t = new SandboxTranscript(10);
    t.append('a', { from: 'bot', text: '已存在', mentions: [] });
    await expect(t.waitFor('a', (m) => m.text === '已存在', 1000)).resolves.toMatchObject({ text: '已存在' });
  });

  test('resolves with a future message, and with a card update that makes a message match', async () => {
    const t = new SandboxTranscript(10);
    const future = t.waitFor('a', (m) => m.text === '以后', 1000);
    const updated = t.waitFor('a', (m) => m.card?.title === '已签收', 1000);
    t.append('b', { from: 'bot', text: '以后', mentions: [] });
    const m = t.append('a', { from: 'bot', text: '以后', mentions: [], card: card('c1', '待签收') });
    await expect(future).resolves.toMatchObject({ id: m.id });
    t.replaceCard(m.id, card('c1', '已签收'));
    await expect(updated).resolves.toMatchObject({ id: m.id });
  });

  test('rejects after the timeout naming the conversation and the last messages seen', async () => {
    const t = new SandboxTranscript(10);
    t.append('a', { from: 'lihua', text: '在吗', mentions: [] });
    await expect(t.waitFor('a', () => false, 20)).rejects.toThrow(/"a" within 20 ms; last messages: \["lihua: 在吗"\]/);
  });
});

test('a non-positive bound is refused at construction', () => {
  expect(() => new SandboxTranscript(0)).toThrow(RangeError);
});
