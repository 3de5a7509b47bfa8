/**
 * Entry point (`npm start`): loads settings and config, starts the bot (embedded PostgreSQL unless
 * DATABASE_URL is set), prints where to go, and stops everything cleanly on Ctrl-C / SIGTERM.
 */
import { existsSync } from 'node:fs';
import pino from 'pino';
import { startApp } from './app.js';
import { loadOrgConfig } from './config/load.js';
import { loadSettings } from './config/settings.js';
import { CodedError } from './errors.js';
import { installShutdownHooks } from './store/index.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const settings = loadSettings();
  const logger = pino({ level: settings.LOG_LEVEL, base: undefined });
  const config = loadOrgConfig(settings.CONFIG_FILE);
  const starting = startApp({ settings, config, logger });
  // hooked before start-up finishes: a SIGTERM right after /healthz first answers (or during start)
  // still stops everything started so far, the embedded PostgreSQL included, and exits 0
  installShutdownHooks(
    async () => {
      const running = await starting.catch(() => undefined);
      await running?.stop();
    },
    { logger },
  );
  const app = await starting;
  const lines = [
    `舆情助手已启动 yuqing-bot is running: ${app.url}`,
    app.sandbox
      ? `  本地沙盒 sandbox chat:  ${app.url}/sandbox${settings.SANDBOX === 'public' ? '（SANDBOX=public：任何能访问本端口的人都可冒用任何身份发言）' : '（仅限本机访问）'}`
      : '  本地沙盒已关闭 (SANDBOX=off)',
    app.wecomWs
      ? '  企业微信智能机器人长连接 WeCom AI bot: long connection (WECOM_AIBOT_MODE=ws; one instance holds it)'
      : app.wecom
        ? `  企业微信回调 WeCom AI-bot callback: ${app.url}/callbacks/wecom/aibot`
        : '  企业微信未配置 (set WECOM_AIBOT_TOKEN and WECOM_AIBOT_ENCODING_AES_KEY, or WECOM_AIBOT_MODE=ws with WECOM_AIBOT_BOT_ID and WECOM_AIBOT_SECRET)',
    `  健康检查 health: ${app.url}/healthz`,
    settings.ADMIN_TOKEN
      ? `  网页台账 dashboard: ${app.url}/dashboard（输入 ADMIN_TOKEN 登录）`
      : '  网页台账 dashboard: 设置 ADMIN_TOKEN 后可用 (set ADMIN_TOKEN to open /dashboard)',
    ...(settings.TIME_SCALE < 1
      ? [`  ⚠ 演练模式 drill mode: TIME_SCALE=${settings.TIME_SCALE}（所有时限按比例压缩，消息中的时间为演练时间）`]
      : []),
    '  按 Ctrl-C 停止 (Ctrl-C stops everything)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  const msg = err instanceof CodedError ? err.message : ((err as Error)?.stack ?? String(err));
  process.stderr.write(`启动失败 start-up failed: ${msg}\n`);
  process.exitCode = 1;
});
