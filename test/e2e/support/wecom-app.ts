/**
 * The whole bot with its WeCom AI-bot adapter switched on, for end-to-end tests: a fake WeCom API
 * server (response_url and webhook robot [91770, 101138]), `startTestApp` (real PostgreSQL, real
 * Agenda, real HTTP on 127.0.0.1) with the callback token and EncodingAESKey set, and the callback
 * simulator signing and encrypting like WeCom [101033]. `stop()` closes all of it in order.
 */
import type { OrgConfig } from '../../../src/config/schema.js';
import { WECOM_AIBOT_CALLBACK_PATH } from '../../../src/bot/adapters/wecom/index.js';
import { demoConfig, startTestApp, TestClock, type TestApp } from '../../helpers/app.js';
import { FakeWeComServer } from '../../fakes/wecom/FakeWeComServer.js';
import type { TestDatabase } from '../../helpers/pg.js';
import { WeComCallbackClient } from '../../fakes/wecom/WeComCallbackClient.js';

/** Callback Token of the test bot (a test value, not a secret). */
export const E2E_TOKEN = 'e2eCallbackToken';
/** A valid 43-character EncodingAESKey (32 random bytes, base64 without the trailing "="). */
export const E2E_AES_KEY = 'k16CaRnVVnDh+81EzgIOlbKEvqqPjKMyQHp/ud21R3M';
/** Webhook robot key of the 社会救助股工作群 (chatid wrRelief002), registered on the fake. */
export const RELIEF_WEBHOOK_KEY = 'relief-robot-e2e-key';
/** WeCom chatid of the 社会救助股工作群 in config/default.yaml. */
export const RELIEF_CHAT = 'wrRelief002';

/** A domain clock that follows the wall clock (for tests where Agenda must fire chases in real time). */
export class WallClock extends TestClock {
  override now(): Date {
    return new Date();
  }
}

/**
 * The demo organisation with a webhook robot key on the relief chat; `edit` may change the copy
 * further (e.g. shorten a milestone).
 */
export function wecomConfig(edit?: (c: OrgConfig) => void): OrgConfig {
  const config = demoConfig();
  const relief = config.chats.find((c) => c.wecomChatId === RELIEF_CHAT);
  if (!relief) throw new Error(`demo config has no chat with wecomChatId ${RELIEF_CHAT}`);
  relief.wecomWebhookKey = RELIEF_WEBHOOK_KEY;
  edit?.(config);
  return config;
}

/** A running app plus the fake WeCom server and the callback simulator aimed at it. */
export interface WeComE2E {
  app: TestApp;
  fake: FakeWeComServer;
  client: WeComCallbackClient;
  /** Full callback URL of the running app. */
  botUrl: string;
  /** Stops the app (drains the adapter first), then the fake. */
  stop(): Promise<void>;
}

/**
 * Starts fake + app + simulator.
 * @param opts.settings extra env-style settings (e.g. `TIME_SCALE`); the WeCom ones are set here.
 */
export async function startWeComE2E(
  opts: {
    settings?: Record<string, string>;
    config?: OrgConfig;
    clock?: TestClock;
    /** Run on this database (kept by `stop()`): restarts, a second instance. */
    database?: TestDatabase;
    /** Share this fake (not closed by `stop()`), e.g. between two instances. */
    fake?: FakeWeComServer;
  } = {},
): Promise<WeComE2E> {
  const ownFake = !opts.fake;
  const fake = opts.fake ?? (await FakeWeComServer.start());
  fake.addWebhookKey(RELIEF_WEBHOOK_KEY);
  let app: TestApp;
  try {
    app = await startTestApp({
      settings: {
        WECOM_AIBOT_TOKEN: E2E_TOKEN,
        WECOM_AIBOT_ENCODING_AES_KEY: E2E_AES_KEY,
        WECOM_API_BASE: fake.baseUrl,
        ...opts.settings,
      },
      config: opts.config ?? wecomConfig(),
      clock: opts.clock,
      database: opts.database,
    });
  } catch (err) {
    if (ownFake) await fake.close();
    throw err;
  }
  const botUrl = `${app.url}${WECOM_AIBOT_CALLBACK_PATH}`;
  const client = new WeComCallbackClient({
    token: E2E_TOKEN,
    encodingAESKey: E2E_AES_KEY,
    botUrl,
    fake,
    aibotid: 'aibE2E',
  });
  return {
    app,
    fake,
    client,
    botUrl,
    stop: async () => {
      try {
        await app.wecom?.drain();
        await app.stop();
      } finally {
        if (ownFake) await fake.close();
      }
    },
  };
}
