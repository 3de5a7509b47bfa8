/**
 * Launches the system (Debian) Chromium through playwright-core for browser tests. No Playwright
 * browser download is used: install Chromium with `apt-get install -y chromium` (path overridable
 * with CHROMIUM_PATH). Each launch gets Playwright's own fresh temporary profile.
 */
import { access } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Path of the Chromium binary: `CHROMIUM_PATH`, default `/usr/bin/chromium` (Debian package). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet headless run in a container: no sandbox (root), no GPU, no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts headless Chromium.
 * @throws Error naming the install command when the binary is missing.
 */
export async function launchBrowser(): Promise<Browser> {
  try {
    await access(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get update && apt-get install -y chromium" or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}

/** A page that records uncaught page errors and console errors (CSP violations show up there). */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far. */
  problems: string[];
}

/**
 * Opens a new context and page. `timezoneId` sets the browser's own zone (to prove a page does not
 * depend on it); viewport defaults to 1280×800.
 */
export async function newWatchedPage(
  browser: Browser,
  opts: { timezoneId?: string; locale?: string } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: opts.locale ?? 'zh-CN',
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return { context, page, problems };
}
