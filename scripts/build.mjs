/**
 * `npm run build`: compiles src/ to dist/ (tsconfig.build.json) and copies the static assets the
 * compiled code serves (everything under src/web that is not TypeScript: the sandbox page, the
 * dashboard) to the same place under dist/, so `node dist/main.js` finds them beside its modules.
 * Run from the package root. Exits non-zero when the compiler reports errors.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (existsSync('src/web'))
  cpSync('src/web', 'dist/web', {
    recursive: true,
    filter: (src) => !/\.tsx?$/.test(src),
  });
process.stdout.write(`built ${path.resolve('dist')}\n`);
