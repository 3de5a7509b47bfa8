/**
 * The WeCom self-built app (issue 12 items 3–4): `WeComAppApi` (token cache, message/send,
 * update_template_card), `WeComApp` (1:1 sends, single-use card updates, the XML callback) and
 * `WeComAdapter` (the one `wecom` adapter: chats to the AI bot, 1:1 to the app). Wired in app.ts.
 */
export { AccessTokenCache } from './AccessTokenCache.js';
export { WeComAdapter } from './WeComAdapter.js';
export {
  APP_TEXT_UNSUPPORTED,
  RESPONSE_CODE_TTL_MS,
  WECOM_APP_CALLBACK_PATH,
  WeComApp,
  type AppMessageRef,
  type WeComAppOptions,
} from './WeComApp.js';
export { WeComAppApi, type WeComAppApiOptions } from './WeComAppApi.js';
