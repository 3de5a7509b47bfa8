/**
 * The passive-window crash gap (issue 14 item 4, README "Guarantees"): a WeCom message is answered
 * empty once `WECOM_PASSIVE_REPLY_MS` has passed, so WeCom never retries it; if the process then
 * dies before the command commits, only the claim is left. The claim keeps the decrypted callback
 * (`replay`, migration 0011) until the handling finishes, and a sweep hands unfinished ones over
 * again: the command is carried out and its answer goes the late way (response_url, webhook).
 * The crash itself is simulated by the state it leaves: a claim row with its callback and no
 * `done_at`, written as the dead process would have.
 */
import { buildTextCallback } from '../../src/bot/adapters/wecom/callback-builder.js';
import { replayRecord } from '../../src/bot/adapters/wecom/callback-handling.js';
import { RELIEF_CHAT, startWeComE2E, WallClock, type WeComE2E } from './support/wecom-app.js';

describe('WeCom messages whose handling a crash cut short are handed over again', () => {
  let w: WeComE2E;
  const claim = async (eventId: string) =>
    (
      await w.app.store.pool.query<{ done: boolean; replay: unknown }>(
        'SELECT done_at IS NOT NULL AS done, replay FROM processed_events WHERE platform = $1 AND event_id = $2',
        ['wecom', eventId],
      )
    ).rows[0];
  /** The claim a process that died mid-command leaves: the callback, claimed `agoMs` ago, not done. */
  const leftByCrash = async (msgid: string, text: string, agoMs: number) => {
    const { url, code } = w.fake.issueResponseUrl();
    const callback = buildTextCallback({
      chatId: RELIEF_CHAT,
      userId: 'ChenJing',
      text,
      msgid,
      aibotid: 'aibE2E',
      responseUrl: url,
      createTime: Math.floor((Date.now() - agoMs) / 1000),
    });
    await w.app.store.pool.query(
      `INSERT INTO processed_events (platform, event_id, seen_at, replay)
       VALUES ('wecom', $1, now() - make_interval(secs => $2::float8 / 1000), $3)`,
      [msgid, agoMs, JSON.stringify(replayRecord(JSON.stringify(callback), Date.now() - agoMs))],
    );
    return code;
  };

  beforeAll(async () => {
    w = await startWeComE2E({
      clock: new WallClock(new Date()),
      settings: { WECOM_REPLAY_AFTER_SECONDS: '2', WECOM_REPLAY_WITHIN_MINUTES: '60' },
    });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('a message handled in time keeps no callback once done', async () => {
    const ex = await w.client.sendText({
      chatId: RELIEF_CHAT,
      userId: 'ChenJing',
      text: '@舆情助手 /帮助',
      msgid: 'replay-live-1',
    });
    expect(ex.status).toBe(200);
    await w.app.wecom!.drain();
    expect(await claim('replay-live-1')).toEqual({ done: true, replay: null });
  });

  test('an unfinished /上报 claimed 10 minutes ago is carried out once, its answer via response_url; one claimed 2 hours ago is left alone', async () => {
    const before = (await w.app.incidents.list({ kind: 'system' }, {})).length;
    const stale = await leftByCrash('replay-stale-1', '@舆情助手 /上报 两小时前的帖子 三级', 2 * 3600_000);
    const code = await leftByCrash('replay-cut-1', '@舆情助手 /上报 崩溃前未处理完的帖子 三级', 10 * 60_000);
    const late = await w.fake.waitFor((r) => r.kind === 'response_url' && r.code === code, 15_000);
    expect(late.kind === 'response_url' && late.errcode).toBe(0);
    const content = JSON.stringify(late.kind === 'response_url' ? late.body : null);
    expect(content).toMatch(/YQ-\d{8}-\d{3}/);
    await w.app.wecom!.drain();
    const after = await w.app.incidents.list({ kind: 'system' }, {});
    expect(after.length).toBe(before + 1);
    expect(await claim('replay-cut-1')).toEqual({ done: true, replay: null });
    // the sweep that took the 10-minute one saw the 2-hour one too, and left it
    expect((await claim('replay-stale-1')).done).toBe(false);
    expect(w.fake.responseUrlPosts().some((r) => r.code === stale)).toBe(false);
  });
});
