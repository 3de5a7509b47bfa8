/**
 * Sends one robot text callback to a running bot exactly as DingTalk would in HTTP mode (signed
 * `timestamp`/`sign` headers, dingtalk.md §1a) and prints the HTTP status and the reply.
 *
 *   npm run dingtalk:send-test -- --user <userId> --text "/上报 ..." [--chat <openConversationId>]
 *       [--url http://localhost:3000/callbacks/dingtalk/robot] [--listen 3901] [--wait 10]
 *
 * Reads DINGTALK_CLIENT_SECRET (and DINGTALK_CLIENT_ID as robotCode). The bot replies through the
 * callback's sessionWebhook: this script serves one on 127.0.0.1:<listen> and prints what arrives
 * there. The bot only trusts sessionWebhooks on DINGTALK_OAPI_BASE, so start the bot with
 * `DINGTALK_OAPI_BASE=http://127.0.0.1:<listen>` for this test.
 */
import { createServer } from 'node:http';
import { buildRobotMessage, postCallback, signedHeaders } from '../src/bot/adapters/dingtalk/callback-builder.js';
import { type Cli, cli } from './lib/cli.js';

const USAGE = `用法 / usage:
  npm run dingtalk:send-test -- --user <userId> --text "/上报 ..." [--chat <openConversationId>]
      [--url http://localhost:3000/callbacks/dingtalk/robot] [--listen 3901] [--wait 10]`;

const command: Cli = cli(USAGE);
/** Typed explicitly so a call narrows like a `never` function (TS control flow). */
const fail: Cli['fail'] = command.fail;

async function main(): Promise<void> {
  const values = command.parse(['chat', 'user', 'text', 'url', 'listen', 'wait']);
  if (!values) return;
  const secret = process.env.DINGTALK_CLIENT_SECRET;
  if (!secret)
    fail(
      '请先设置环境变量 DINGTALK_CLIENT_SECRET（与机器人使用的相同）。',
      'set DINGTALK_CLIENT_SECRET (the value the bot uses).',
    );
  const user = values.user as string | undefined;
  const text = values.text as string | undefined;
  if (!user || !text) fail('必须提供 --user 和 --text。', '--user and --text are required.');
  const listen = Number(values.listen ?? 3901);
  const waitSec = Number(values.wait ?? 10);
  if (!Number.isInteger(listen) || listen <= 0 || listen > 65535)
    fail('--listen 应为端口号。', '--listen must be a port.');
  if (!Number.isFinite(waitSec) || waitSec <= 0) fail('--wait 应为正数（秒）。', '--wait must be positive seconds.');
  const url =
    (values.url as string | undefined) ?? `http://localhost:${process.env.PORT ?? 3000}/callbacks/dingtalk/robot`;

  const replies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        replies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        replies.push(Buffer.concat(chunks).toString('utf8'));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
      console.log(`sessionWebhook 收到回复 / reply:\n${JSON.stringify(replies.at(-1), null, 2)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen, '127.0.0.1', resolve);
  });
  const body = buildRobotMessage({
    userId: user,
    text,
    chatId: values.chat as string | undefined,
    robotCode: process.env.DINGTALK_ROBOT_CODE || process.env.DINGTALK_CLIENT_ID || 'send-test',
    sessionWebhook: `http://127.0.0.1:${listen}/robot/sendBySession?session=send-test`,
  });
  const res = await postCallback(url, body, signedHeaders(secret));
  console.log(`HTTP ${res.status} ${res.body}`);
  if (res.status !== 200) {
    server.close();
    process.exitCode = 1;
    return;
  }
  // Done 1.5 s after the last reply, or after --wait seconds without any.
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, waitSec * 1000);
    let quiet: NodeJS.Timeout | undefined;
    server.on('request', () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        clearTimeout(deadline);
        resolve();
      }, 1500);
    });
  });
  server.close();
  if (!replies.length) {
    console.log(
      `${waitSec} 秒内没有收到回复：请确认机器人以 DINGTALK_OAPI_BASE=http://127.0.0.1:${listen} 启动。\nNo reply within ${waitSec} s: start the bot with DINGTALK_OAPI_BASE=http://127.0.0.1:${listen}.`,
    );
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
