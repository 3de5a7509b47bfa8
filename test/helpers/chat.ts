/**
 * Talking to the bot through the sandbox's real HTTP API, awaiting the handling (no sleeps):
 * `say` posts a message and returns the bot's replies to it; `click` presses a card button.
 */
import type { SandboxMessage } from '../../src/bot/adapters/sandbox/index.js';
import type { TestApp } from './app.js';

/** Posts `text` as `userId` in sandbox chat `chatId`; resolves with the bot messages that followed it. */
export async function say(app: TestApp, chatId: string, userId: string, text: string): Promise<SandboxMessage[]> {
  const res = await app.post('/api/sandbox/messages', { chatId, userId, text });
  if (res.status !== 202) throw new Error(`sandbox refused the message: ${res.status} ${JSON.stringify(res.body)}`);
  await app.sandbox!.idle();
  return after(app, chatId, res.body.id);
}

/** Clicks button `key` of card `cardId` in chat `chatId` as `userId`; resolves with the bot messages that followed. */
export async function click(
  app: TestApp,
  chatId: string,
  cardId: string,
  userId: string,
  key: string,
): Promise<SandboxMessage[]> {
  const before = app.sandbox!.messages(chatId).length;
  // the copy in this chat (one card may be posted in several chats)
  const copy = [...app.sandbox!.messages(chatId)].reverse().find((m) => m.card?.id === cardId);
  const res = await app.post(`/api/sandbox/cards/${encodeURIComponent(cardId)}/actions`, {
    userId,
    key,
    ...(copy ? { messageId: copy.id } : {}),
  });
  if (res.status !== 202) throw new Error(`sandbox refused the click: ${res.status} ${JSON.stringify(res.body)}`);
  await app.sandbox!.idle();
  return app
    .sandbox!.messages(chatId)
    .slice(before)
    .filter((m) => m.from === 'bot');
}

/** The message with id `id` in a chat, as stored now (cards are updated in place). */
export function messageById(app: TestApp, chatId: string, id: string): SandboxMessage | undefined {
  return app.sandbox!.messages(chatId).find((m) => m.id === id);
}

function after(app: TestApp, chatId: string, id: string): SandboxMessage[] {
  const all = app.sandbox!.messages(chatId);
  const i = all.findIndex((m) => m.id === id);
  return all.slice(i + 1).filter((m) => m.from === 'bot');
}

/**
 * Resolves once every outbox row of `incidentId` has left the queue (sent, merged or dead; issue 14:
 * chase runs and notices to other audiences only queue, the worker delivers them). Woken by each
 * bot message arriving where the oldest unsent row goes; re-checks at least every second.
 */
export async function outboxDelivered(app: TestApp, incidentId: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await app.store.db
      .selectFrom('outbox')
      .select(['destination'])
      .where('incident_id', '=', incidentId)
      .where('state', 'in', ['pending', 'sending'])
      .orderBy('id')
      .executeTakeFirst();
    if (!row) return;
    if (Date.now() > until) throw new Error(`outbox rows of ${incidentId} not delivered in ${timeoutMs} ms`);
    const conv = row.destination.startsWith('user:') ? `@${row.destination.slice(5)}` : row.destination.slice(5);
    const seen = new Set(app.sandbox!.messages(conv).map((m) => m.id));
    await app.sandbox!.waitForMessage(conv, (m) => !seen.has(m.id), 1000).catch(() => undefined);
  }
}
