/**
 * Sends one AI-bot text callback to a running bot exactly as WeCom would (signed, encrypted with
 * receiveid "", [100719, 101033]) and prints the HTTP status and the decrypted passive reply.
 *
 *   npm run wecom:send-test -- --user <userid> --text "/上报 ..." [--chat <chatid>] [--at <BotName>]
 *       [--url http://localhost:3000/callbacks/wecom/aibot] [--response-url <url>]
 *
 * Reads WECOM_AIBOT_TOKEN and WECOM_AIBOT_ENCODING_AES_KEY (the same values the bot uses).
 * Without --chat the message is a 1:1 chat. The callback's response_url defaults to
 * `${WECOM_API_BASE}/cgi-bin/aibot/response?response_code=send-test-…`: a code WeCom never issued,
 * so a late reply the bot posts there fails (and is logged by the bot) — point it at a fake if needed.
 */
import { buildTextCallback, postCallback, randomId, sealCallback } from '../src/bot/adapters/wecom/callback-builder.js';
import { type Cli, cli } from './lib/cli.js';

const USAGE = `用法 / usage:
  npm run wecom:send-test -- --user <userid> --text "/上报 ..." [--chat <chatid>] [--at <机器人名称>]
      [--url http://localhost:3000/callbacks/wecom/aibot] [--response-url <url>]`;

const command: Cli = cli(USAGE);
/** Typed explicitly so a call narrows like a `never` function (TS control flow). */
const fail: Cli['fail'] = command.fail;

async function main(): Promise<void> {
  const values = command.parse(['chat', 'user', 'text', 'at', 'url', 'response-url']);
  if (!values) return;
  const token = process.env.WECOM_AIBOT_TOKEN;
  const aesKey = process.env.WECOM_AIBOT_ENCODING_AES_KEY;
  if (!token || !aesKey) {
    fail(
      '请先设置环境变量 WECOM_AIBOT_TOKEN 和 WECOM_AIBOT_ENCODING_AES_KEY（与机器人使用的相同）。',
      'set WECOM_AIBOT_TOKEN and WECOM_AIBOT_ENCODING_AES_KEY (the values the bot uses).',
    );
  }
  if (aesKey.length !== 43)
    fail('WECOM_AIBOT_ENCODING_AES_KEY 应为 43 个字符。', 'WECOM_AIBOT_ENCODING_AES_KEY must be 43 characters.');
  const user = values.user as string | undefined;
  const text = values.text as string | undefined;
  if (!user || !text) fail('必须提供 --user 和 --text。', '--user and --text are required.');

  const chat = values.chat as string | undefined;
  const botUrl =
    (values.url as string | undefined) ?? `http://localhost:${process.env.PORT ?? 3000}/callbacks/wecom/aibot`;
  const apiBase = (process.env.WECOM_API_BASE ?? 'https://qyapi.weixin.qq.com').replace(/\/+$/, '');
  const responseUrl =
    (values['response-url'] as string | undefined) ??
    `${apiBase}/cgi-bin/aibot/response?response_code=send-test-${randomId(8)}`;
  const content = values.at ? `@${values.at as string} ${text}` : text;

  const plaintext = buildTextCallback({
    userId: user,
    chatId: chat,
    text: content,
    responseUrl,
    aibotid: 'aib-send-test',
  });
  const sealed = sealCallback(token, aesKey, plaintext);
  console.log(`POST ${botUrl}`);
  console.log(`msgid=${String(plaintext.msgid)} ${chat ? `chatid=${chat}` : '(单聊 / 1:1)'} from=${user}`);
  let res: Awaited<ReturnType<typeof postCallback>>;
  try {
    res = await postCallback(botUrl, sealed, token, aesKey);
  } catch (err) {
    console.error(`错误：无法连接或解析应答。\nError: request or reply decryption failed: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(`HTTP ${res.status}`);
  if (res.status < 200 || res.status >= 300) {
    console.log(res.rawBody);
    process.exit(1);
  }
  if (res.reply === undefined) {
    console.log(
      '（空应答：处理超过被动回复时限或无内容，回复将经 response_url / 群机器人发送）\n(empty body: handler slower than the passive window, or nothing to say)',
    );
    return;
  }
  console.log('被动回复（已验签解密）/ passive reply (verified, decrypted):');
  console.log(JSON.stringify(res.reply, null, 2));
}

void main();
