// Copies non-TypeScript assets (SQL migrations) next to the compiled JavaScript.
import { cpSync, chmodSync, existsSync, rmSync } from 'node:fs';

// Replaced, not merged: a migration removed or renamed in src must not linger in dist.
rmSync('dist/store/migrations', { recursive: true, force: true });
cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
