/**
 * The whole bot in a real browser: headless Chromium (Debian package) on the sandbox page of the
 * full app (`startTestApp`: real PostgreSQL, real Agenda, real HTTP). A monitor reports in the
 * relief group, the bot @-mentions the unit's first- and direct-responsible people with a 签收 card,
 * the first-responsible clicks 签收 and sees the card updated, and /查看 shows the ledger (台账)
 * (domain.md "What this means for the bot"; issue 3), drawn with a Chinese font and kept as a
 * screenshot under test-results/ (issue 10 item 8).
 */
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { launchBrowser, newWatchedPage, type WatchedPage } from '../helpers/browser.js';
import { startTestApp, TestClock, type TestApp } from '../helpers/app.js';
import { E2eSandboxPage } from './support/E2eSandboxPage.js';

const ID = 'YQ-20261129-001';
const CARD = `ack-${ID}`;
let browser: Browser;
let app: TestApp;
let watched: WatchedPage;

beforeAll(async () => {
  // 2026-11-29 10:00 in Asia/Shanghai (02:00 UTC); the browser runs in another zone on purpose.
  app = await startTestApp({ clock: new TestClock(new Date('2026-11-29T02:00:00Z')) });
  browser = await launchBrowser();
  watched = await newWatchedPage(browser, { timezoneId: 'Europe/London' });
});
afterAll(async () => {
  await watched?.context.close();
  await browser?.close();
  await app?.stop();
});

test('report, @-mention both responsible people, 签收 by click, and the 台账 in /查看 — all from the sandbox page (domain.md "Resolve and @-mention … each acknowledges")', async () => {
  const ui = new E2eSandboxPage(watched.page, app.url);
  await ui.open();
  await ui.openChat('社会救助股工作群');
  await ui.speakAs('陈静');
  await ui.send('/上报 某论坛出现“低保审核不公”的帖子，转发较快 https://bbs.example.cn/t/123 三级');

  const notice = await ui.waitForBotMessage(ID);
  expect(await ui.mentionsIn(notice)).toEqual(['@刘洋', '@吴芳']);
  expect(await notice.innerText()).toContain('一般（III）');
  expect(await ui.timeOf(notice)).toBe('11-29 10:00');
  const card = await ui.cardById(CARD);
  expect(await card.locator('.card-button').allTextContents()).toEqual(['签收']);
  expect(await ui.cardFields(card)).toMatchObject({ '第一责任人 刘洋': '待签收', '直接责任人 吴芳': '待签收' });

  await ui.speakAs('刘洋');
  await ui.clickCardButton('签收', ID);
  const updated = await ui.waitForCardField(CARD, '第一责任人 刘洋', /^已签收 11-29 10:00$/);
  expect(await ui.cardFields(updated)).toMatchObject({ '直接责任人 吴芳': '待签收' });
  await ui.waitForBotMessage(`刘洋 已签收 ${ID}`);
  expect(await ui.cards().count()).toBe(1);
  expect((await app.incidents.view({ kind: 'system' }, ID)).acknowledgements.map((a) => a.personId)).toEqual([
    'liuyang',
  ]);

  await ui.send('/查看');
  const view = await ui.waitForBotMessage('台账（');
  const text = await view.innerText();
  expect(text).toContain(ID);
  // issue 10 item 8: states in words, not ✅/⏳ (boxes without an emoji font)
  expect(text).toContain('签收：刘洋（已签收 11-29 10:00）　吴芳（未签收）');
  expect(text).not.toMatch(/\p{Extended_Pictographic}/u);
  expect(text).toMatch(/11-29 10:00 陈静 上报：/);
  expect(text).toContain('11-29 10:00 刘洋 签收：第一责任人');

  // issue 10 item 8: the page names a Chinese font stack and the glyphs are drawn with a CJK font
  // (Chromium's own report of the platform font used for the text node), and a screenshot is kept
  const stack = await watched.page.evaluate(() => getComputedStyle(document.body).fontFamily);
  for (const family of ['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC']) expect(stack).toContain(family);
  const cdp = await watched.context.newCDPSession(watched.page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '.msg .bubble' });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId: nodeIds[nodeIds.length - 1] });
  expect(fonts.map((f) => f.familyName).join(',')).toMatch(/CJK|PingFang|YaHei|Han Sans|WenQuanYi/);
  await mkdir('test-results', { recursive: true });
  await watched.page.screenshot({ path: 'test-results/sandbox-page-zh.png' });
  expect(watched.problems).toEqual([]);
});
