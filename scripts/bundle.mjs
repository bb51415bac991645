// Bundles the CLI and the SQLite store's threads with their dependencies (esbuild), after
// tsc: start-up was module loading (resolving, reading and compiling ~600 files), not work
// (docs/PERFORMANCE.md, Restart; docs/ARCHITECTURE.md, Build).
//
//   dist/celeriac.cjs          the whole CLI and its dependencies, one CommonJS file
//   dist/celeriac.cjs.v8cache  V8's code cache for it, made here with this Node
//   dist/cli.js                the launcher (scripts/cli-launcher.mjs), replacing tsc's cli.js:
//                              compiles celeriac.cjs with that cache and runs it
//   dist/store/sqlite/{writer,reader,checkpoint}-thread.js   the threads, each one ESM file
//
// Paths stay where tsc puts them: every `import.meta.url` in src/ is rewritten to the URL the
// module would have in tsc's layout (dist/<path>.js), so the migrations (dist/store/migrations),
// the dashboard (dist/web), package.json and the thread files resolve exactly as before.
// better-sqlite3 (a native addon) stays an ordinary package import. Dynamic imports (runtime.ts
// after the store starts opening, pg and the PostgreSQL store, amqplib) stay lazy: esbuild
// evaluates those modules only when the import() runs.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/**
 * `import.meta.url` → the module's URL in tsc's output, relative to the bundle that holds it
 * (`base`: the expression for the bundle's own URL).
 */
function tscLayout(outfile, base) {
  return {
    name: 'tsc-layout-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const asJs = join(dist, relative(src, args.path)).replace(/\.ts$/, '.js');
        let rel = relative(dirname(outfile), asJs).split(sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, ${base}).href`), loader: 'ts' };
      });
    },
  };
}

/**
 * `__dirname` / `__filename` in a dependency: its own directory and file, found at run time from
 * the package's location (`require.resolve('<name>/package.json')`), as if it were not bundled.
 * Only for packages installed at the top of node_modules without an `exports` map (the ones that
 * read them: ioredis for its error-stack filter and CLIENT SETINFO version, pino/thread-stream for
 * transports); anything else would see the bundle's own (CommonJS: dist/; the threads: none).
 */
const dependencyPaths = {
  name: 'dependency-dirname',
  setup(b) {
    const modulesDir = realpathSync(join(root, 'node_modules'));
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      const rel = relative(modulesDir, args.path).split(sep);
      const nameParts = rel[0]?.startsWith('@') ? 2 : 1;
      if (rel[0] === '..' || rel.slice(0, -1).includes('node_modules') || rel.length <= nameParts) return undefined;
      const name = rel.slice(0, nameParts).join('/');
      const pkg = JSON.parse(await readFile(join(modulesDir, name, 'package.json'), 'utf8'));
      if (pkg.exports) return undefined;
      const inPkg = rel.slice(nameParts).join('/');
      // (the path is not a literal, so esbuild leaves require.resolve to run time)
      const pkgDir = `require('node:path').dirname(require.resolve([${JSON.stringify(name)}, 'package.json'].join('/')))`;
      const file = `require('node:path').join(${pkgDir}, ${JSON.stringify(inPkg)})`;
      return { contents: `var __filename = ${file}, __dirname = require('node:path').dirname(__filename);\n${text}`, loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['better-sqlite3', 'pg-native'],
};

// Outputs of earlier layouts of this script (ESM chunks beside cli.js) and the old cache.
for (const f of await readdir(dist).catch(() => [])) {
  if (/^cli-chunk-.*\.js(\.map)?$/.test(f) || f === 'celeriac.cjs.v8cache') await rm(join(dist, f));
}

// The CLI. The launcher passes require, __filename (this file) and __dirname, as Node's own
// CommonJS loader would. No banner: the file must begin with esbuild's "use strict".
const cliOut = join(dist, 'celeriac.cjs');
const cli = build({
  ...common,
  entryPoints: [join(src, 'cli.ts')],
  outfile: cliOut,
  format: 'cjs',
  plugins: [tscLayout(cliOut, "require('node:url').pathToFileURL(__filename).href"), dependencyPaths],
});

// The SQLite store's threads, one file each where tsc put them (src/store/sqlite/thread.ts).
// CommonJS dependencies call require() for Node built-ins and ESM has none: the banner makes one.
const threads = ['writer-thread', 'reader-thread', 'checkpoint-thread'].map((name) => {
  const outfile = join(dist, 'store', 'sqlite', `${name}.js`);
  return build({
    ...common,
    entryPoints: [join(src, 'store', 'sqlite', `${name}.ts`)],
    outfile,
    format: 'esm',
    banner: { js: "import { createRequire as __celeriacRequire } from 'node:module';\nconst require = __celeriacRequire(import.meta.url);" },
    plugins: [tscLayout(outfile, 'import.meta.url')],
  });
});

await Promise.all([cli, ...threads]);

// The entry's `#!/usr/bin/env node` cannot stand inside the launcher's function wrapper; the
// comment keeps the length and the line numbers.
const text = await readFile(cliOut, 'utf8');
if (text.startsWith('#!')) await writeFile(cliOut, `//${text.slice(2)}`);

// The code cache, made by a clean node under the launcher's own V8 flags (its `#!` line, read
// by the same function the benchmark and the tests use, from tsc's output: V8 rejects a cache
// made under other flags) from the very string the launcher compiles: Module.wrap(source).
const launcher = join(root, 'scripts', 'cli-launcher.mjs');
const { launcherNodeFlags } = await import(pathToFileURL(join(dist, 'bench', 'proc.js')).href);
const flags = launcherNodeFlags(launcher);
const env = { ...process.env };
delete env.NODE_OPTIONS;
execFileSync(
  process.execPath,
  [
    ...flags,
    '-e',
    `const fs = require('node:fs'); const { wrap } = require('node:module'); const vm = require('node:vm');
     const f = ${JSON.stringify(cliOut)};
     fs.writeFileSync(f + '.v8cache', new vm.Script(wrap(fs.readFileSync(f, 'utf8')), { filename: f }).createCachedData());`,
  ],
  { env, stdio: 'inherit' },
);

await copyFile(launcher, join(dist, 'cli.js'));
await rm(join(dist, 'cli.js.map'), { force: true });
