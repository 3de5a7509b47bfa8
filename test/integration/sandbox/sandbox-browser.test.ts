/**
 * The sandbox page in real headless Chromium (Debian package, via playwright-core): pick a chat and
 * a person, send a message, see the bot's reply with the mention highlighted and a card, click a card
 * button as another person and see the card updated in place (sandbox issue). Times show in the
 * business zone from /api/sandbox/meta, not the browser's zone (house rule: never depend on the machine's zone).
 */
import type { Browser } from 'playwright-core';
import { launchBrowser, newWatchedPage, type WatchedPage } from '../../helpers/browser.js';
import { SandboxPage } from '../../helpers/sandbox-page.js';
import { startSandboxServer, type SandboxServer } from './harness.js';

/** 2026-11-29 02:03 UTC = 10:03 in Asia/Shanghai. */
const FIXED_NOW = Date.parse('2026-11-29T02:03:00.000Z');

let browser: Browser;
let srv: SandboxServer;
let watched: WatchedPage;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  srv = await startSandboxServer({ adapter: { now: () => FIXED_NOW } });
  watched = await newWatchedPage(browser, { timezoneId: 'America/New_York' });
});
afterEach(async () => {
  await watched.context.close();
  await srv.close();
});

test('a newcomer chats with the bot, gets a card and acknowledges it by clicking a button', async () => {
  const ui = new SandboxPage(watched.page, srv.baseUrl);
  await ui.open();
  await ui.openChat('局舆情工作领导小组群');
  expect(await ui.rolesOf('王建国')).toEqual(['第一责任人', '领导小组']);
  await ui.speakAs('李华');

  await ui.send('现场情况 @张敏');
  const reply = await ui.waitForBotMessage('收到 @李华：现场情况 @张敏');
  expect(await ui.mentionsIn(reply)).toEqual(['@李华']);
  const own = watched.page.locator('.msg.from-self .bubble').last();
  expect(await ui.mentionsIn(own)).toEqual(['@张敏']);
  expect(await ui.timeOf(reply)).toBe('11-29 10:03');

  expect(await ui.useHint('/卡片')).toBe('/卡片');
  await watched.page.locator('#input').press('Enter');
  const card = await ui.waitForCard('待签收');
  expect(await ui.cardFields(card)).toEqual({ 级别: '一般', 来源: '微博' });
  expect(await card.locator('.card-button').allTextContents()).toEqual(['签收', '查看详情']);
  if (process.env.SANDBOX_SCREENSHOT) await watched.page.screenshot({ path: process.env.SANDBOX_SCREENSHOT });

  await ui.speakAs('王建国');
  await ui.clickCardButton('签收', '待签收');
  const updated = await ui.waitForCard('已签收');
  expect(await ui.cardFields(updated)).toEqual({ 签收人: '王建国' });
  expect(await updated.locator('.card-button').count()).toBe(0);
  await ui.waitForBotMessage('@王建国 点击了 ack');
  expect(await ui.cards().count()).toBe(1);
  expect(await ui.status()).toBe('已以「王建国」的身份点击「签收」');
  if (process.env.SANDBOX_SCREENSHOT)
    await watched.page.screenshot({ path: process.env.SANDBOX_SCREENSHOT.replace(/\.png$/, '-after.png') });
  expect(watched.problems).toEqual([]);
});

test('messages pushed by the bot (send) appear live, and a 1:1 conversation only speaks as its person', async () => {
  const ui = new SandboxPage(watched.page, srv.baseUrl);
  await ui.open();
  await ui.openChat('社会救助股工作群');
  await srv.adapter.send(
    { platform: 'sandbox', chatId: 'relief' },
    { text: '**催办**：请 @{wufang} 尽快签收', mentions: ['liuyang'] },
  );
  const chase = await ui.waitForBotMessage('催办');
  expect(await chase.innerText()).toBe('催办：请 @吴芳 尽快签收 @刘洋');
  expect(await chase.locator('strong').innerText()).toBe('催办');
  expect(await ui.mentionsIn(chase)).toEqual(['@吴芳', '@刘洋']);

  await ui.openDirect('何刚');
  expect(await watched.page.locator('#people .person').allInnerTexts()).toEqual(['何刚']);
  await ui.send('请问特报模板在哪里');
  await ui.waitForBotMessage('收到 @何刚：请问特报模板在哪里');
  expect(srv.adapter.messages('relief')).toHaveLength(1);
  expect(watched.problems).toEqual([]);
});

test("a refused message shows the server's Chinese reason under the input", async () => {
  const ui = new SandboxPage(watched.page, srv.baseUrl);
  await ui.open();
  await ui.openChat('局舆情工作领导小组群');
  await ui.speakAs('张敏');
  await watched.page.evaluate(() => {
    (document.getElementById('input') as HTMLTextAreaElement).removeAttribute('maxlength');
  });
  await watched.page.locator('#input').fill('长'.repeat(4001));
  await watched.page.locator('#input').press('Enter');
  await watched.page.locator('#status[data-kind="error"]').waitFor();
  expect(await ui.status()).toBe('消息过长：最多 4000 个字');
  expect(srv.adapter.messages('leaders')).toEqual([]);
});
