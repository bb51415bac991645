// Bundles the CLI and the SQLite store's two threads with their dependencies into single ESM
// files (esbuild), replacing tsc's dist/cli.js and dist/store/sqlite/{writer,reader}-thread.js.
// Start-up was module loading (resolving, reading and compiling ~600 files), not work.
//
// Paths stay where tsc puts them: every `import.meta.url` in src/ is rewritten to the URL the
// module would have in tsc's layout (dist/<path>.js), so the migrations (dist/store/migrations),
// the dashboard (dist/web), package.json and the thread files resolve exactly as before.
// better-sqlite3 (a native addon) stays an ordinary package import.
import { build } from 'esbuild';
import { readdir, readFile, rm } from 'node:fs/promises';
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

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['better-sqlite3', 'pg-native'],
  banner: { js: BANNER },
};

// The CLI: dist/cli.js plus chunks beside it for what is imported dynamically and only when used
// (pg and the PostgreSQL store, amqplib). Every output of this build sits in dist/, so one
// import.meta.url rewrite is right for all of them. Chunks of an earlier build are removed first.
for (const f of await readdir(dist).catch(() => [])) {
  if (/^cli-chunk-.*\.js(\.map)?$/.test(f)) await rm(join(dist, f));
}
const cli = build({
  ...common,
  entryPoints: { cli: join(src, 'cli.ts') },
  outdir: dist,
  splitting: true,
  chunkNames: 'cli-chunk-[hash]',
  plugins: [tscLayout(join(dist, 'cli.js'))],
});

// The SQLite store's threads, one file each where tsc put them (src/store/sqlite/thread.ts).
const threads = ['writer-thread', 'reader-thread'].map((name) => {
  const outfile = join(dist, 'store', 'sqlite', `${name}.js`);
  return build({ ...common, entryPoints: [join(src, 'store', 'sqlite', `${name}.ts`)], outfile, plugins: [tscLayout(outfile)] });
});

await Promise.all([cli, ...threads]);
