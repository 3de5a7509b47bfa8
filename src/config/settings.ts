/**
 * Process settings from the environment (documented one per line in `.env.example`).
 * Validated with zod at start-up; an invalid value stops start-up naming the variable.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

export const SettingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where embedded PostgreSQL keeps its data (`<DATA_DIR>/pg`). */
  DATA_DIR: z.string().default('./data'),
  /** Use this PostgreSQL instead of the embedded one. */
  DATABASE_URL: z.string().optional(),
  CONFIG_FILE: z.string().default('config/default.yaml'),
  /**
   * The local sandbox chat: `on` (default) serves it to this machine only (loopback), `public` to
   * any host (a demo on a LAN: anyone reaching the port can speak as anyone), `off` disables it.
   */
  SANDBOX: z
    .enum(['on', 'off', 'public', 'true', 'false', '1', '0'])
    .transform((v): 'on' | 'off' | 'public' =>
      v === 'public' ? 'public' : v === 'on' || v === 'true' || v === '1' ? 'on' : 'off',
    )
    .default('on'),
  /** Trust X-Forwarded-* headers (only behind your own reverse proxy); otherwise the socket address is logged. */
  TRUST_PROXY: onOff.default(false),
  /** Drill mode: every duration is multiplied by this (e.g. 0.001). 1 = real time. */
  TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public base URL printed at start-up (e.g. behind a reverse proxy). */
  PUBLIC_URL: z.string().optional(),
  /**
   * How the WeCom AI bot receives: `http` (callbacks to /callbacks/wecom/aibot; default) or `ws`
   * (the long connection, wecom.md §1c: no public URL; needs WECOM_AIBOT_BOT_ID and WECOM_AIBOT_SECRET).
   */
  WECOM_AIBOT_MODE: z.enum(['http', 'ws']).default('http'),
  /** AI bot Bot ID (long-connection mode). */
  WECOM_AIBOT_BOT_ID: z.string().optional(),
  /** AI bot Secret (long-connection mode). Secret: never logged. */
  WECOM_AIBOT_SECRET: z.string().optional(),
  /** Long-connection URL (the SDK's `wsUrl`); unset: the SDK's wss://openws.work.weixin.qq.com. Tests point it at the fake. */
  WECOM_AIBOT_WS_URL: z.string().url().optional(),
  /** Long connection: ping interval, ms (two missed acks = a dead socket, reconnected). */
  WECOM_AIBOT_HEARTBEAT_MS: z.coerce.number().int().positive().default(30_000),
  /** Long connection: resubscribe when no callback arrived for this long on an open socket, ms (wecom.md §8.1). */
  WECOM_AIBOT_WATCHDOG_MS: z.coerce.number().int().positive().default(600_000),
  /** Long connection: first reconnect delay, ms (doubled per failure, with jitter). */
  WECOM_AIBOT_RECONNECT_BASE_MS: z.coerce.number().int().positive().default(1000),
  /** Long connection: longest reconnect delay, ms. */
  WECOM_AIBOT_RECONNECT_MAX_MS: z.coerce.number().int().positive().default(30_000),
  /** Long connection: how often an instance not holding it tries to take it over (PostgreSQL advisory lock), ms. */
  WECOM_AIBOT_LEADER_POLL_MS: z.coerce.number().int().positive().default(2000),
  WECOM_AIBOT_TOKEN: z.string().optional(),
  WECOM_AIBOT_ENCODING_AES_KEY: z.string().length(43).optional(),
  /** Accepted |now - timestamp| for WeCom callbacks, seconds. */
  WECOM_CALLBACK_WINDOW_SECONDS: z.coerce.number().int().positive().default(300),
  /** How long a WeCom callback waits for the handler before answering and replying via response_url, ms. */
  WECOM_PASSIVE_REPLY_MS: z.coerce.number().int().positive().default(3000),
  /**
   * A WeCom message answered empty after the passive window whose handling never finished (the
   * process died before the command committed) is handed over again once it was claimed this many
   * seconds ago (longer than any live handling takes); 0 turns the replay off.
   */
  WECOM_REPLAY_AFTER_SECONDS: z.coerce.number().int().nonnegative().default(60),
  /** …and only while it was claimed less than this many minutes ago (older ones are likely sent again by the user). */
  WECOM_REPLAY_WITHIN_MINUTES: z.coerce.number().int().positive().default(60),
  /** Longest wait for a new PostgreSQL connection, ms (a hung server is reported unavailable, not waited on). */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** During a database outage, at most one "still unavailable" log line per this many ms. */
  DB_OUTAGE_LOG_INTERVAL_MS: z.coerce.number().int().positive().default(10000),
  /** WeCom API base (webhook robot sends); tests point it at the fake server. */
  WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
  /** WeCom CorpID (我的企业 → 企业ID): with WECOM_AGENT_ID and the three WECOM_APP_ secrets it enables the self-built app. */
  WECOM_CORP_ID: z.string().optional(),
  /** AgentId of the self-built app (应用管理 → the app). */
  WECOM_AGENT_ID: z.coerce.number().int().positive().optional(),
  /** The app's Secret (for gettoken). Secret: never logged. */
  WECOM_APP_SECRET: z.string().optional(),
  /** The app's callback Token (接收消息 → API 接收). Secret. */
  WECOM_APP_TOKEN: z.string().optional(),
  /** The app's callback EncodingAESKey (43 characters). Secret. */
  WECOM_APP_ENCODING_AES_KEY: z.string().length(43).optional(),
  /** Refresh the app's access_token this many seconds before it expires (it lives 7200 s [91039]). */
  WECOM_APP_TOKEN_EARLY_REFRESH_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Timeout of each WeCom app API call, ms. */
  WECOM_APP_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** DingTalk receive mode: `stream` (WebSocket, outbound only; default) or `http` (public callback URL). */
  DINGTALK_MODE: z.enum(['stream', 'http']).default('stream'),
  /** DingTalk app Client ID (AppKey); with the secret it enables the DingTalk adapter. */
  DINGTALK_CLIENT_ID: z.string().optional(),
  /** DingTalk app Client Secret (AppSecret); also the HTTP callback signing key. */
  DINGTALK_CLIENT_SECRET: z.string().optional(),
  /** robotCode (an internal app's robotCode equals its Client ID: the default). */
  DINGTALK_ROBOT_CODE: z.string().optional(),
  /** New OpenAPI base (tokens, robot sends, cards, Stream gateway); tests point it at the fake. */
  DINGTALK_API_BASE: z.string().url().default('https://api.dingtalk.com'),
  /** Old API base: sessionWebhooks must be on this origin (international tenants: *.dingtalk.io). */
  DINGTALK_OAPI_BASE: z.string().url().default('https://oapi.dingtalk.com'),
  /** Timeout of each DingTalk HTTP call, ms (the OpenAPI answers within 3 s or not at all). */
  DINGTALK_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** Accepted |now - timestamp| of an HTTP callback, ms (dingtalk.md §1a: one hour). */
  DINGTALK_CALLBACK_WINDOW_MS: z.coerce.number().int().positive().default(3_600_000),
  /** Interactive card template id (docs/dingtalk-card.md); unset: cards are sent as markdown. */
  DINGTALK_CARD_TEMPLATE_ID: z.string().optional(),
  /** HTTP mode: callbackRouteKey registered for card clicks (POST /callbacks/dingtalk/card). */
  DINGTALK_CARD_CALLBACK_ROUTE_KEY: z.string().optional(),
  /** Stream mode: reconnect when no frame arrived for this long, ms. */
  DINGTALK_STREAM_IDLE_MS: z.coerce.number().int().positive().default(60_000),
  /** Bearer token of the admin API (`POST /api/outbox/:id/retry`); unset: the admin API answers 401. Secret. */
  ADMIN_TOKEN: z.string().min(16).optional(),
});

/** The settings that together enable the WeCom self-built app (all or none). */
export const WECOM_APP_VARS = [
  'WECOM_CORP_ID',
  'WECOM_AGENT_ID',
  'WECOM_APP_SECRET',
  'WECOM_APP_TOKEN',
  'WECOM_APP_ENCODING_AES_KEY',
] as const;

/** Validated process settings. */
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * Reads settings from an environment object (default `process.env`); empty strings count as unset.
 * @throws ConfigError naming each bad variable.
 */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = SettingsSchema.refine((x) => !x.WECOM_AIBOT_TOKEN === !x.WECOM_AIBOT_ENCODING_AES_KEY, {
    message: "set both WECOM_AIBOT_TOKEN and WECOM_AIBOT_ENCODING_AES_KEY (from the AI bot's API settings), or neither",
    path: ['WECOM_AIBOT_TOKEN'],
  })
    .refine((x) => WECOM_APP_VARS.every((k) => !x[k]) || WECOM_APP_VARS.every((k) => !!x[k]), {
      message: `set all of ${WECOM_APP_VARS.join(', ')} (the self-built app), or none`,
      path: ['WECOM_CORP_ID'],
    })
    .refine((x) => x.WECOM_AIBOT_MODE !== 'ws' || (!!x.WECOM_AIBOT_BOT_ID && !!x.WECOM_AIBOT_SECRET), {
      message:
        "WECOM_AIBOT_MODE=ws needs WECOM_AIBOT_BOT_ID and WECOM_AIBOT_SECRET (from the AI bot's API settings, 长连接)",
      path: ['WECOM_AIBOT_MODE'],
    })
    .refine((x) => !x.DINGTALK_CLIENT_ID === !x.DINGTALK_CLIENT_SECRET, {
      message: "set both DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET (from the app's credentials page), or neither",
      path: ['DINGTALK_CLIENT_ID'],
    })
    .safeParse(clean);
  if (!r.success) {
    throw new ConfigError(
      `invalid environment:\n  ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`,
    );
  }
  return r.data;
}
