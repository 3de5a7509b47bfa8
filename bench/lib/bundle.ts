/**
 * Bundles a bench child's entry file so the child runs in plain `node` (no tsx loader in its RSS
 * or CPU): bench/export.bench.ts and bench/open.bench.ts start their children from these bundles.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `entry` (a path relative to bench/, e.g. `export-child.ts`) and the sources it imports bundled into
 * one ES module (esbuild, a devDependency, the version tsx uses; packages stay external) at
 * node_modules/.cache/yq-bench/<entry's base name>.mjs.
 * @returns the bundle's absolute path.
 * @throws esbuild's error when the entry does not build.
 */
export function bundleBenchChild(entry: string): string {
  const outfile = path.join(root, 'node_modules/.cache/yq-bench', `${path.basename(entry, '.ts')}.mjs`);
  buildSync({
    entryPoints: [path.join(root, 'bench', entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
