/**
 * Serves the sandbox page (`GET /sandbox`) and its assets (app.js, render.js, style.css) from
 * `src/web/sandbox/`. Only these known files are served (no path from the request reaches the file
 * system). The page loads nothing
 * from outside: a Content-Security-Policy of `'self'` enforces that in the browser.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type Router from '@koa/router';
import type { SandboxLogger } from './sandbox-types.js';

/** Default asset directory: `src/web/sandbox/`, found relative to this module. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../web/sandbox/', import.meta.url));

const ASSETS: ReadonlyArray<{ route: string; file: string; type: string }> = [
  { route: '/sandbox', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/sandbox/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/sandbox/render.js', file: 'render.js', type: 'text/javascript; charset=utf-8' },
  { route: '/sandbox/style.css', file: 'style.css', type: 'text/css; charset=utf-8' },
];

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Mounts the page routes. Files are read on each request (edits show up on reload; the page is tiny);
 * a missing file is logged and answered 500 JSON (a broken install, not bad input).
 */
export function mountSandboxPage(router: Router, assetsDir: string, logger: SandboxLogger): void {
  for (const asset of ASSETS) {
    router.get(asset.route, async (ctx) => {
      try {
        ctx.body = await readFile(path.join(assetsDir, asset.file), 'utf8');
      } catch (err) {
        logger.error({ err, file: asset.file }, 'sandbox asset missing');
        ctx.status = 500;
        ctx.body = { error: 'INTERNAL', message: '沙盒页面文件缺失' };
        return;
      }
      ctx.type = asset.type;
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('X-Content-Type-Options', 'nosniff');
      if (asset.file === 'index.html') ctx.set('Content-Security-Policy', CSP);
    });
  }
}
