/**
 * The dashboard in a real browser (issue 11 item 4): headless Chromium (Debian package) on the full
 * app with the seeded month (test/fixtures/reports-month.ts) plus an incident reported through the
 * sandbox like a newcomer's demo (`/上报` with the demo organisation). The page asks for the token,
 * lists the incidents, applies a filter, opens an incident with its timeline, draws the charts
 * (canvas pixels, not empty) and the assessment; screenshots at 1366×768 and a phone size are kept
 * under test-results/ for a person to look at.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { bt, seedMonth } from '../fixtures/reports-month.js';
import { startTestApp, TestClock, type TestApp } from '../helpers/app.js';
import { launchBrowser, newWatchedPage, type WatchedPage } from '../helpers/browser.js';
import { say } from '../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const ADMIN = 'dashboard-admin-token-0123456789';
let db: TestDatabase;
let app: TestApp;
let browser: Browser;
let watched: WatchedPage;
let demoId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedMonth(db.store);
  app = await startTestApp({
    database: db,
    settings: { ADMIN_TOKEN: ADMIN },
    clock: TestClock.frozen(bt('12-01 10:00')),
  });
  const [m] = await say(
    app,
    'relief',
    'chenjing',
    '/上报 某论坛出现“低保审核不公”的帖子，转发较快 https://bbs.example.cn/t/123 三级',
  );
  demoId = /YQ-\d{8}-\d{3}/.exec(m.text)![0];
  browser = await launchBrowser();
  // the browser runs in another zone on purpose: every time shown is business time from the server
  watched = await newWatchedPage(browser, { timezoneId: 'America/New_York' });
  await watched.page.setViewportSize({ width: 1366, height: 768 });
});
afterAll(async () => {
  await watched?.context.close();
  await browser?.close();
  await app?.stop();
  await db?.drop();
});

/** Waits until the canvas under `selector` has pixels drawn (over 500 non-transparent ones). */
async function waitDrawn(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((sel) => {
    const c = document.querySelector(`${sel} canvas`) as HTMLCanvasElement | null;
    if (!c || c.width === 0 || c.height === 0) return false;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let k = 3; k < data.length; k += 4) if (data[k] !== 0) painted += 1;
    return painted > 500;
  }, selector);
}

test('token once, list, filter, an incident with its timeline, charts drawn, assessment — in Chinese, office screen and phone (issue 11 items 2 and 4)', async () => {
  const page = watched.page;
  await page.goto(`${app.url}/dashboard`);
  await page.locator('#token').fill(ADMIN);
  await page.locator('#login-form button').click();
  const rows = page.locator('#incident-table tbody tr');
  await rows.first().waitFor();
  // the newcomer's incident (reported through the sandbox) and the seeded month
  expect(await rows.count()).toBe(7);
  expect(await rows.first().innerText()).toContain(demoId);
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/dashboard-list-1366.png' });

  // filter: eldercare, then overdue only
  await page.locator('#f-unit').selectOption('eldercare');
  await page.locator('#filters button[type=submit]').click();
  await page.waitForFunction(() => document.querySelectorAll('#incident-table tbody tr').length === 2);
  expect(await page.locator('#incident-table tbody td:nth-child(3)').allInnerTexts()).toEqual([
    '县养老服务中心',
    '县养老服务中心',
  ]);
  await page.locator('#f-overdue').check();
  await page.locator('#filters button[type=submit]').click();
  await page.waitForFunction(() => document.querySelectorAll('#incident-table tbody tr').length === 1);
  expect(await rows.first().innerText()).toContain('YQ-20261110-001');

  // the incident's page: summary, people and acknowledgements, milestones, the ledger timeline
  await rows.first().click();
  await page.locator('#incident h1').waitFor();
  const text = await page.locator('#incident').innerText();
  expect(text).toContain('YQ-20261110-001');
  expect(text).toContain('已签收 2026-11-10 15:40');
  expect(text).toMatch(/预警报告\s+2026-11-10 16:40\s+—\s+已超时/);
  expect(text).toContain('11-10 15:00 陈静 上报');
  await page.screenshot({ path: 'test-results/dashboard-incident-1366.png', fullPage: true });

  // the charts: five canvases with pixels drawn
  await page.locator('a[data-tab=charts]').click();
  await page.locator('#c-from').fill('2026-11-01');
  await page.locator('#c-to').fill('2026-11-30');
  await page.locator('#chart-filters button').click();
  for (const id of ['#chart-level', '#chart-category', '#chart-ontime', '#chart-breach', '#chart-ack'])
    await waitDrawn(page, id);
  await page.screenshot({ path: 'test-results/dashboard-charts-1366.png', fullPage: true });

  // the assessment table of the month
  await page.locator('a[data-tab=assessment]').click();
  await page.locator('#a-month').fill('2026-11');
  await page.locator('#assess-filters button').click();
  await page.locator('#assess-units tbody tr').first().waitFor();
  expect(await page.locator('#assess-units').innerText()).toContain('社会救助股');
  await page.screenshot({ path: 'test-results/dashboard-assessment-1366.png', fullPage: true });

  // a phone: the list and the incident still read well
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${app.url}/dashboard#list`);
  await page.reload();
  await rows.first().waitFor();
  await page.screenshot({ path: 'test-results/dashboard-list-phone.png', fullPage: true });
  await page.goto(`${app.url}/dashboard#incident/${demoId}`);
  await page.locator('#incident h1').waitFor();
  expect(await page.locator('#incident').innerText()).toContain('刘洋');
  await page.screenshot({ path: 'test-results/dashboard-incident-phone.png', fullPage: true });
  await page.goto(`${app.url}/dashboard#charts`);
  await page.locator('#chart-ack canvas').waitFor();
  await page.screenshot({ path: 'test-results/dashboard-charts-phone.png', fullPage: true });

  // the page names the usual Chinese fonts; nothing failed in the page (CSP included)
  const stack = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  for (const family of ['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC']) expect(stack).toContain(family);
  expect(watched.problems).toEqual([]);
});
