// Bundles the CLI and the SQLite store's two threads with their dependencies into single ESM
// files (esbuild), replacing tsc's dist/cli.js and dist/store/sqlite/{writer,reader}-thread.js.
// Start-up was module loading (resolving, reading and compiling ~600 files), not work.
//
// Paths stay where tsc puts them: every `import.meta.url` in src/ is rewritten to the URL the
// module would have in tsc's layout (dist/<path>.js), so the migrations (dist/store/migrations),
// the dashboard (dist/web), package.json and the thread files resolve exactly as before.
// better-sqlite3 (a native addon) stays an ordinary package import.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/** `import.meta.url` → the module's URL in tsc's output, relative to the bundle that holds it. */
function tscLayout(outfile) {
  return {
    name: 'tsc-layout-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const asJs = join(dist, relative(src, args.path)).replace(/\.ts$/, '.js');
        let rel = relative(dirname(outfile), asJs).split(sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

// CommonJS dependencies call require() for Node built-ins and a few read __dirname (ioredis: its
// error-stack filter and its package.json for CLIENT SETINFO; pino/thread-stream: transports,
// which Celeriac does not use). An ESM bundle has neither; these point at the bundle itself.
const BANNER = [
  "import { createRequire as __celeriacRequire } from 'node:module';",
  "import { fileURLToPath as __celeriacPath } from 'node:url';",
  'const require = __celeriacRequire(import.meta.url);',
  'const __filename = __celeriacPath(import.meta.url);',
  "const __dirname = __celeriacPath(new URL('.', import.meta.url));",
].join('\n');

const entries = [
  ['src/cli.ts', 'dist/cli.js'],
  ['src/store/sqlite/writer-thread.ts', 'dist/store/sqlite/writer-thread.js'],
  ['src/store/sqlite/reader-thread.ts', 'dist/store/sqlite/reader-thread.js'],
];

await Promise.all(
  entries.map(([entry, out]) => {
    const outfile = join(root, out);
    return build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      legalComments: 'none',
      logLevel: 'warning',
      external: ['better-sqlite3', 'pg-native'],
      banner: { js: BANNER },
      plugins: [tscLayout(outfile)],
      metafile: true,
    });
  }),
);
