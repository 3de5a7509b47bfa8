/**
 * The whole bot with the WeCom AI bot AND the self-built app (issue 12 items 3–4) against the fake
 * WeCom: `startWeComE2E` plus the app's settings, the fake's app endpoints configured for the same
 * corp / agent / users, and a simulator of the app's XML callbacks.
 */
import type { OrgConfig } from '../../../src/config/schema.js';
import { WECOM_APP_CALLBACK_PATH } from '../../../src/bot/adapters/wecom/app/index.js';
import type { FakeAppOptions } from '../../fakes/wecom/app-api.js';
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import { WeComAppCallbackClient } from '../../fakes/wecom/WeComAppCallbackClient.js';
import type { TestClock } from '../../helpers/app.js';
import type { TestDatabase } from '../../helpers/pg.js';
import { startWeComE2E, type WeComE2E } from './wecom-app.js';

/** Test values of the app (not secrets). The AES key is Tencent's sample key (wecom.md §7). */
export const APP = {
  corpId: 'ww1436e0e65a779aee',
  agentId: 1000002,
  secret: 'e2eAppSecret',
  token: 'e2eAppToken',
  aesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
};

/** The demo organisation's WeCom userids. */
export const DEMO_USERS = [
  'WangJianGuo',
  'LiHua',
  'ZhangMin',
  'ChenJing',
  'LiuYang',
  'WuFang',
  'ZhaoLei',
  'SunLi',
  'ZhouQiang',
  'XuTing',
  'HeGang',
];

/** A running AI-bot + app deployment and the app's callback simulator. */
export interface WeComAppE2E extends WeComE2E {
  appClient: WeComAppCallbackClient;
}

export async function startWeComAppE2E(
  opts: {
    config?: OrgConfig;
    clock?: TestClock;
    fakeApp?: Partial<FakeAppOptions>;
    settings?: Record<string, string>;
    /** Run on this database (kept by `stop()`): restarts. */
    database?: TestDatabase;
    /** Share this fake (not closed by `stop()`; configured here the first time). */
    fake?: FakeWeComServer;
  } = {},
): Promise<WeComAppE2E> {
  const ownFake = !opts.fake;
  const fake = opts.fake ?? (await FakeWeComServer.start());
  fake.app.configure({
    corpId: APP.corpId,
    agentId: APP.agentId,
    secret: APP.secret,
    users: DEMO_USERS,
    ...opts.fakeApp,
  });
  let w: WeComE2E;
  try {
    w = await startWeComE2E({
      fake,
      clock: opts.clock,
      config: opts.config,
      database: opts.database,
      settings: {
        WECOM_CORP_ID: APP.corpId,
        WECOM_AGENT_ID: String(APP.agentId),
        WECOM_APP_SECRET: APP.secret,
        WECOM_APP_TOKEN: APP.token,
        WECOM_APP_ENCODING_AES_KEY: APP.aesKey,
        ...opts.settings,
      },
    });
  } catch (err) {
    if (ownFake) await fake.close();
    throw err;
  }
  const appClient = new WeComAppCallbackClient({
    token: APP.token,
    encodingAESKey: APP.aesKey,
    corpId: APP.corpId,
    agentId: APP.agentId,
    url: `${w.app.url}${WECOM_APP_CALLBACK_PATH}`,
  });
  return {
    ...w,
    appClient,
    stop: async () => {
      try {
        await w.app.wecomApp?.drain();
        await w.stop();
      } finally {
        if (ownFake) await fake.close();
      }
    },
  };
}
