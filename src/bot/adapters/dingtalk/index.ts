/**
 * DingTalk adapter entry point; `app.ts` builds it from settings (DINGTALK_*) and the chats'
 * custom robots (config `chats[].dingtalkRobotWebhook` / `dingtalkRobotSecret`).
 */
export {
  DingTalkAdapter,
  DINGTALK_CARD_PATH,
  DINGTALK_ROBOT_PATH,
  TEXT_APOLOGY,
  TEXT_UNSUPPORTED,
  type CustomRobot,
  type DingTalkAdapterOptions,
} from './DingTalkAdapter.js';
export { dingtalkSign, signedWebhookUrl } from './sign.js';
