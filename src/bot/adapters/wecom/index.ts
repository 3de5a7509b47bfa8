/**
 * WeCom adapter entry point. `main.ts` builds the adapter from settings and config:
 *
 *   createWeComAiBotAdapter({
 *     token: settings.WECOM_AIBOT_TOKEN, encodingAESKey: settings.WECOM_AIBOT_ENCODING_AES_KEY,
 *     callbackWindowSeconds: settings.WECOM_CALLBACK_WINDOW_SECONDS,
 *     passiveReplyMs: settings.WECOM_PASSIVE_REPLY_MS, apiBase: settings.WECOM_API_BASE,
 *     webhookKeys: { [chat.wecomChatId]: chat.wecomWebhookKey, ... }, dedupe, logger,
 *   })
 */
import { WeComAiBotAdapter, type WeComAiBotAdapterOptions } from './WeComAiBotAdapter.js';

export { WeComAiBotAdapter, WECOM_AIBOT_CALLBACK_PATH, TEXT_APOLOGY, TEXT_UNSUPPORTED } from './WeComAiBotAdapter.js';
export type { WeComAiBotAdapterOptions } from './WeComAiBotAdapter.js';

/**
 * Builds the WeCom AI-bot adapter (HTTP-callback mode). See `WeComAiBotAdapterOptions`.
 * @throws ConfigError if the EncodingAESKey is not 43 base64 characters.
 */
export function createWeComAiBotAdapter(opts: WeComAiBotAdapterOptions): WeComAiBotAdapter {
  return new WeComAiBotAdapter(opts);
}
