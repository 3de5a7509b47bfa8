/** scripts/wecom-send-test.ts run as a real process against the adapter over HTTP [100719, 101033]. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AES_KEY, startHarness, TOKEN, type Harness } from './aibot-harness.js';

const run = promisify(execFile);
const TSX = 'node_modules/.bin/tsx';
const SCRIPT = 'scripts/wecom-send-test.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

test('signs, encrypts and posts a callback like WeCom, then prints the status and the decrypted passive reply', async () => {
  h.setHandler(async (e) => {
    await e.reply({ text: `收到：${e.type === 'message' ? e.text : ''} @{${e.userId}}` });
  });
  const { stdout } = await run(
    TSX,
    [
      SCRIPT,
      '--chat',
      'wrRelief002',
      '--user',
      'LiuYang',
      '--at',
      '舆情助手',
      '--text',
      '/上报 测试帖子',
      '--url',
      h.botUrl,
    ],
    {
      env: {
        ...process.env,
        WECOM_AIBOT_TOKEN: TOKEN,
        WECOM_AIBOT_ENCODING_AES_KEY: AES_KEY,
        WECOM_API_BASE: h.fake.baseUrl,
      },
    },
  );
  expect(stdout).toContain('HTTP 200');
  expect(stdout).toContain('"content": "收到：/上报 测试帖子 <@LiuYang>"');
  expect(h.events.at(-1)).toMatchObject({
    type: 'message',
    chatId: 'wrRelief002',
    userId: 'LiuYang',
    text: '/上报 测试帖子',
  });
});

test('without the WeCom secrets in the environment it stops with a Chinese and English error (exit 2)', async () => {
  const env = { ...process.env };
  delete env.WECOM_AIBOT_TOKEN;
  delete env.WECOM_AIBOT_ENCODING_AES_KEY;
  const err = await run(TSX, [SCRIPT, '--user', 'u', '--text', 'x', '--url', h.botUrl], { env }).catch(
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: 2 });
  const stderr = (err as { stderr: string }).stderr;
  expect(stderr).toContain('请先设置环境变量 WECOM_AIBOT_TOKEN');
  expect(stderr).toContain('Error: set WECOM_AIBOT_TOKEN');
});
