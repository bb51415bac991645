#!/usr/bin/env -S node --max-semi-space-size=4
// dist/cli.js (copied here by scripts/bundle.mjs): starts the bundled CLI, dist/celeriac.cjs,
// compiled with the V8 code cache that the build wrote beside it (celeriac.cjs.v8cache), so the
// 4 MB bundle is not parsed and compiled again at every start. A missing cache, or one that this
// Node's V8 rejects (another version, other flags), only costs the compile time.
//
// The V8 flags of the line above are Celeriac's (the only place they are written: the build
// makes the code cache under them, the benchmark and the tests start Celeriac with them):
// --max-semi-space-size=4 caps the main thread's young generation at 12 MB instead of 48 (the
// store's threads set their own: src/store/sqlite/thread.ts). Its garbage is short-lived
// (decoded events, API pages), so a larger one mostly holds dead objects: peak RSS while
// ingesting at 10 M stored tasks 246-247 MB with it, 255-256 MB with =8 (docs/PERFORMANCE.md). Run as
// `node dist/cli.js` Celeriac works without them (more memory, and the cache is rejected: a
// slower start).
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { fileURLToPath, URL } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('./celeriac.cjs', import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(`${file}.v8cache`);
} catch {
  // no cache: compile
}
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, fileURLToPath(new URL('.', import.meta.url)));
