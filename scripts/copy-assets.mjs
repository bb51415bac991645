// Copies non-TypeScript assets (SQL migrations) next to the compiled JavaScript.
import { cpSync, chmodSync, existsSync } from 'node:fs';

cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
