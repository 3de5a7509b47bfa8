/**
 * Issue 12 item 4: an app card's update survives a restart — the send's response_code is kept in
 * `card_refs` (PostgreSQL), so after a restart a `/签收` updates the copy sent before it; and a
 * code is spent once: a later change is not sent as an update of that copy again but as a new
 * card message (wecom.md §8.3).
 */
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import type { AppRecord } from '../../fakes/wecom/app-api.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { RELIEF_CHAT } from '../../e2e/support/wecom-app.js';
import { startWeComAppE2E } from '../../e2e/support/wecom-selfbuilt.js';

let db: TestDatabase;
let fake: FakeWeComServer;
beforeEach(async () => {
  db = await createTestDatabase();
  await db.store.close();
  fake = await FakeWeComServer.start();
});
afterEach(async () => {
  await fake.close();
  await db.drop();
});

const cardTo = (user: string) => (r: AppRecord) =>
  r.api === 'message/send' &&
  r.errcode === 0 &&
  (r.body as { touser: string; msgtype: string }).touser === user &&
  (r.body as { msgtype: string }).msgtype === 'template_card';
const updatesWith = (code: string | undefined) =>
  fake.app.received.filter(
    (r) => r.api === 'message/update_template_card' && (r.body as { response_code: string }).response_code === code,
  );

test('after a restart, /签收 updates the 1:1 card sent before it, once per response_code', async () => {
  const first = await startWeComAppE2E({ fake, database: db });
  let sent: AppRecord;
  let incidentId: string;
  try {
    await first.client.sendText({ chatId: RELIEF_CHAT, userId: 'ChenJing', text: '@舆情助手 /上报 重启前上报 三级' });
    sent = await fake.waitForApp(cardTo('LiuYang'));
    incidentId = /ack-(YQ-\d{8}-\d{3})@/.exec(
      (sent.body as { template_card: { task_id: string } }).template_card.task_id,
    )![1];
  } finally {
    await first.stop();
  }

  const second = await startWeComAppE2E({ fake, database: db });
  try {
    await second.appClient.text('WuFang', `/签收 ${incidentId}`);
    const update = await fake.waitForApp((r) => updatesWith(sent.response_code).includes(r));
    expect(update.errcode).toBe(0);
    expect(JSON.stringify(update.body)).toContain('已签收');
    // LiuYang's own 签收 later: his copy's code is spent, so no second update with it
    await second.appClient.text('LiuYang', `/签收 ${incidentId}`);
    await fake.waitForApp(
      (r) => r.api === 'message/send' && JSON.stringify(r.body).includes(`刘洋 已签收 ${incidentId}`),
    );
    await second.app.wecomApp!.drain();
    expect(updatesWith(sent.response_code)).toHaveLength(1);
    // …the new state goes out as a new card message instead (issue 12 item 4, the worker's fallback)
    // (a card without buttons is sent as text: a button_interaction card needs a button)
    const again = await fake.waitForApp(
      (r) => r.api === 'message/send' && r.errcode === 0 && JSON.stringify(r.body).includes('已全部签收'),
    );
    expect(again.body).toMatchObject({ touser: 'LiuYang', msgtype: 'text' });
  } finally {
    await second.stop();
  }
}, 60_000);
