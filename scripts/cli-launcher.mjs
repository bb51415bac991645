#!/usr/bin/env node
// dist/cli.js (copied here by scripts/bundle.mjs): starts the bundled CLI, dist/celeriac.cjs,
// compiled with the V8 code cache that the build wrote beside it (celeriac.cjs.v8cache), so the
// 4 MB bundle is not parsed and compiled again at every start. A missing cache, or one that this
// Node's V8 rejects (another version, other flags), only costs the compile time.
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
