// Bundles the built CLI (dist/cli/main.js) into dist/bundle/: binsnap's own ~100 modules become a
// few files, which saves every command ~0.06 s of module resolution and loading at start
// (ADR 0022). Packages stay external (node_modules is loaded as installed). The commands' lazy
// imports become chunks of their own; each worker module the code starts
// (`startModuleWorker(import.meta.url, './name', …)`) becomes an entry beside them, so the
// relative worker URL still names it from inside a chunk.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'bundle');

/** The worker modules started from dist's modules, as files of dist. */
function workerEntries() {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== outdir) walk(p);
      } else if (e.name.endsWith('.js')) {
        for (const line of readFileSync(p, 'utf8').split('\n')) {
          if (/^\s*(\*|\/\/)/.test(line)) continue; // a comment's example
          const m = /startModuleWorker\(import\.meta\.url, '\.\/([\w-]+)'/.exec(line);
          if (m) found.push(path.join(dir, `${m[1]}.js`));
        }
      }
    }
  };
  walk(dist);
  return found;
}

rmSync(outdir, { recursive: true, force: true });
const workers = workerEntries();
if (workers.length === 0) throw new Error('bundle: no worker modules found in dist/ (was `tsc` run first?)');
await build({
  entryPoints: [path.join(dist, 'cli', 'main.js'), ...workers],
  outdir,
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
