/**
 * Issue 14 item 1, "card updates": a card update is an outbox row (`kind = 'card_update'`) written
 * in the transaction of the change that caused it, one per remembered copy (card_refs), delivered
 * by the delivery worker with `adapter.updateCard(ref, card)`; the clicked copy is updated inside
 * the click's answer and its row marked sent; a copy the platform can no longer update
 * (`CardNotUpdatableError`) is posted as a new message instead — once, never a dead letter loop.
 * Real PostgreSQL, the real worker, the sandbox adapter.
 */
import type { SandboxMessage } from '../../../src/bot/adapters/sandbox/index.js';
import { startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { click, messageById, say } from '../../helpers/chat.js';

let app: TestApp;
const clock = TestClock.frozen(new Date('2026-11-29T02:00:00Z'));

beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(async () => {
  await app.stop();
});

async function open(title: string): Promise<{ id: string; opened: SandboxMessage }> {
  const replies = await say(app, 'relief', 'chenjing', `/上报 ${title}`);
  const opened = replies.find((m) => m.card)!;
  return { id: /YQ-\d{8}-\d{3}/.exec(opened.text)![0], opened };
}

function cardRows(cardId: string) {
  return app.store.db
    .selectFrom('outbox')
    .select(['id', 'key', 'kind', 'state', 'destination', 'card_ref', 'attempts'])
    .where('kind', '=', 'card_update')
    .where('key', 'like', `card:${cardId}:%`)
    .orderBy('id')
    .execute();
}

/** Resolves with the card's update rows once none is queued or in flight (re-read every 50 ms, at most 5 s). */
async function settledRows(cardId: string) {
  const until = Date.now() + 5000;
  for (;;) {
    const rows = await cardRows(cardId);
    if (!rows.some((r) => r.state === 'pending' || r.state === 'sending')) return rows;
    if (Date.now() > until) throw new Error(`card updates of ${cardId} still queued: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves when the sandbox message `messageId` shows a card field with `value` (event-driven). */
function cardShows(messageId: string, label: string, prefix: string): Promise<SandboxMessage> {
  return app.sandbox!.waitForMessage(
    'relief',
    (m) => m.id === messageId && !!m.card?.fields?.some((f) => f.label.includes(label) && f.value.startsWith(prefix)),
  );
}

test('/签收 queues the card update in its own transaction and the worker updates the persisted copy in place', async () => {
  const { id, opened } = await open('卡片更新走发件箱');
  const cardId = opened.card!.id;
  await say(app, 'relief', 'liuyang', `/签收 ${id}`);
  // the row exists as soon as the command answered: committed with the acknowledgement
  const rows = await cardRows(cardId);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ kind: 'card_update', destination: `card:${opened.id}` });
  expect(rows[0].key).toMatch(new RegExp(`^card:${cardId}:${opened.id}:sandbox:`));
  expect(rows[0].card_ref).toMatchObject({ platform: 'sandbox', id: opened.id });
  const ledger = await app.store.db
    .selectFrom('ledger_entries')
    .select(['kind'])
    .where('incident_id', '=', id)
    .where('kind', '=', 'incident.acknowledged')
    .execute();
  expect(ledger).toHaveLength(1);

  const updated = await cardShows(opened.id, '刘洋', '已签收');
  expect(updated.card?.id).toBe(cardId);
  const [row] = await settledRows(cardId);
  expect(row.state).toBe('sent');
  // an update is no new message
  expect(app.sandbox!.messages('relief').filter((m) => m.card?.id === cardId)).toHaveLength(1);
});

test('a click updates the clicked copy inside its answer: the row is marked sent without the worker', async () => {
  const { opened } = await open('点击即时更新');
  const cardId = opened.card!.id;
  await app.delivery.stop(); // only the click's own answer can deliver now
  try {
    await click(app, 'relief', cardId, 'wufang', opened.card!.buttons[0].key);
    expect(messageById(app, 'relief', opened.id)?.card?.fields?.some((f) => f.value.startsWith('已签收'))).toBe(true);
    const rows = await cardRows(cardId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'sent', attempts: 0, destination: `card:${opened.id}` });
    expect(rows[0].key).toContain(':inline:');
  } finally {
    app.delivery.start();
  }
});

test('a copy the platform cannot update any more is posted as a new message once, and later updates reach it', async () => {
  const { id, opened } = await open('无法更新的卡片');
  const cardId = opened.card!.id;
  // a remembered copy that is gone from the platform (e.g. dropped from its history)
  await app.store.outbox.rememberCard(
    cardId,
    { platform: 'sandbox', id: 'gone-message', platformRef: {} },
    { chatId: 'relief' },
  );
  const before = app.sandbox!.messages('relief').length;
  await say(app, 'relief', 'liuyang', `/签收 ${id}`);
  const reposted = await app.sandbox!.waitForMessage(
    'relief',
    (m) => m.from === 'bot' && m.card?.id === cardId && m.id !== opened.id,
  );
  await cardShows(opened.id, '刘洋', '已签收');
  expect(reposted.card?.fields?.some((f) => f.label.includes('刘洋') && f.value.startsWith('已签收'))).toBe(true);
  const rows = await settledRows(cardId);
  expect(rows.map((r) => r.state)).toEqual(['sent', 'sent']);
  const refs = await app.store.outbox.cardRefs(cardId, 'sandbox');
  expect(refs.map((r) => r.id).sort()).toEqual([opened.id, reposted.id].sort());

  // the next change updates both live copies in place: no further new message, no dead letter
  await say(app, 'relief', 'wufang', `/签收 ${id}`);
  await cardShows(reposted.id, '吴芳', '已签收');
  await cardShows(opened.id, '吴芳', '已签收');
  expect((await settledRows(cardId)).map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
  const cards = app
    .sandbox!.messages('relief')
    .slice(before)
    .filter((m) => m.card?.id === cardId);
  expect(cards.map((m) => m.id)).toEqual([reposted.id]);
  const dead = await app.store.db.selectFrom('outbox').select(['id']).where('state', '=', 'dead').execute();
  expect(dead).toEqual([]);
});
