/**
 * The whole bot with its DingTalk adapter switched on, for end-to-end tests: the fake DingTalk
 * (api + oapi + Stream gateway on one port), `startTestApp` (real PostgreSQL, Agenda, HTTP) with the
 * DINGTALK_* settings aimed at the fake, and helpers that post signed robot callbacks like DingTalk.
 */
import { DINGTALK_CARD_PATH, DINGTALK_ROBOT_PATH } from '../../../src/bot/adapters/dingtalk/index.js';
import { buildRobotMessage, postCallback, signedHeaders } from '../../../src/bot/adapters/dingtalk/callback-builder.js';
import { CARD_PARAM_KEYS } from '../../../src/bot/adapters/dingtalk/render.js';
import type { OrgConfig } from '../../../src/config/schema.js';
import { FakeDingTalk, type FakeDingTalkOptions } from '../../fakes/dingtalk/FakeDingTalk.js';
import { redirectDingTalkSdk } from '../../fakes/dingtalk/redirect-sdk.js';
import { demoConfig, startTestApp, type TestApp, type TestClock } from '../../helpers/app.js';

export const DT_APP_KEY = 'dingE2eAppKey';
/** A test value, not a secret. */
export const DT_APP_SECRET = 'e2e-dingtalk-app-secret';
export const DT_TEMPLATE = 'tpl-e2e.schema';
export const DT_ROUTE_KEY = 'yuqing-e2e';
/** openConversationId of 社会救助股工作群 in config/default.yaml. */
export const DT_RELIEF_CHAT = 'cidRelief002==';
/** Custom group robot of the relief chat (access_token and SEC secret registered on the fake). */
export const DT_ROBOT_TOKEN = 'relief-custom-robot-token';
export const DT_ROBOT_SECRET = 'SECe2ecustomrobotsecret';

export interface DingTalkE2E {
  app: TestApp;
  fake: FakeDingTalk;
  /** Posts a signed text callback (group when chatId is given); `headers` override the signed ones. */
  sendText(
    i: { userId: string; text: string; chatId?: string; msgId?: string; sessionExpiresAt?: number },
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string; payload: Record<string, unknown> }>;
  /** Posts a signed card click to the HTTP card callback route. */
  clickHttp(outTrackId: string, userId: string, key: string): Promise<{ status: number; body: string }>;
  /** The payload of a card click (for Stream pushes too). */
  click(outTrackId: string, userId: string, key: string): Record<string, unknown>;
  stop(): Promise<void>;
}

/** The demo organisation, optionally with the relief chat's custom robot. */
export function dingtalkConfig(opts: { customRobot?: boolean } = {}): OrgConfig {
  const config = demoConfig();
  if (opts.customRobot) {
    const relief = config.chats.find((c) => c.dingtalkChatId === DT_RELIEF_CHAT)!;
    relief.dingtalkRobotWebhook = `https://placeholder.invalid/robot/send?access_token=${DT_ROBOT_TOKEN}`;
    relief.dingtalkRobotSecret = DT_ROBOT_SECRET;
  }
  return config;
}

/** Starts the fake and the app in `mode`. */
export async function startDingTalkE2E(opts: {
  mode: 'http' | 'stream';
  clock?: TestClock;
  config?: OrgConfig;
  settings?: Record<string, string>;
  fake?: Partial<FakeDingTalkOptions>;
}): Promise<DingTalkE2E> {
  const fake = await FakeDingTalk.start({
    appKey: DT_APP_KEY,
    appSecret: DT_APP_SECRET,
    robotCode: DT_APP_KEY,
    templates: { [DT_TEMPLATE]: CARD_PARAM_KEYS },
    customRobots: { [DT_ROBOT_TOKEN]: DT_ROBOT_SECRET },
    ...opts.fake,
  });
  const unredirect = redirectDingTalkSdk(fake.baseUrl);
  const config = opts.config ?? dingtalkConfig();
  for (const c of config.chats)
    if (c.dingtalkRobotWebhook)
      c.dingtalkRobotWebhook = c.dingtalkRobotWebhook.replace('https://placeholder.invalid', fake.baseUrl);
  let app: TestApp;
  try {
    app = await startTestApp({
      settings: {
        DINGTALK_MODE: opts.mode,
        DINGTALK_CLIENT_ID: DT_APP_KEY,
        DINGTALK_CLIENT_SECRET: DT_APP_SECRET,
        DINGTALK_API_BASE: fake.baseUrl,
        DINGTALK_OAPI_BASE: fake.baseUrl,
        DINGTALK_CARD_TEMPLATE_ID: DT_TEMPLATE,
        ...(opts.mode === 'http' ? { DINGTALK_CARD_CALLBACK_ROUTE_KEY: DT_ROUTE_KEY } : {}),
        ...opts.settings,
      },
      config,
      clock: opts.clock,
    });
  } catch (err) {
    unredirect();
    await fake.close();
    throw err;
  }
  const click = (outTrackId: string, userId: string, key: string) => {
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['btn1'], params: { key } } });
    return { type: 'actionCallback', outTrackId, userId, userIdType: 1, corpId: 'dingcorp', content, value: content };
  };
  return {
    app,
    fake,
    click,
    sendText: async (i, headers) => {
      const payload = buildRobotMessage({
        ...i,
        robotCode: DT_APP_KEY,
        sessionWebhook: fake.issueSession(i.sessionExpiresAt),
        sessionWebhookExpiredTime: i.sessionExpiresAt,
      });
      const res = await postCallback(`${app.url}${DINGTALK_ROBOT_PATH}`, payload, {
        ...signedHeaders(DT_APP_SECRET),
        ...headers,
      });
      return { ...res, payload };
    },
    clickHttp: (outTrackId, userId, key) =>
      postCallback(`${app.url}${DINGTALK_CARD_PATH}`, click(outTrackId, userId, key), signedHeaders(DT_APP_SECRET)),
    stop: async () => {
      try {
        await app.dingtalk?.drain();
        await app.stop();
      } finally {
        unredirect();
        await fake.close();
      }
    },
  };
}
