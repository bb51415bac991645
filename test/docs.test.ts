import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config/options.js';
import { ERROR_CODES } from '../src/shared/errors.js';
import { REPO_ROOT } from './helpers/services.js';

describe('documentation stays in step with the code', () => {
  it('docs/errors.md lists every error code', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/errors.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
    for (const code of Object.keys(ERROR_CODES)) expect(documented, code).toContain(code);
  });

  it('the README starts with the run and test commands', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toContain('npx celeriac --broker redis://');
    expect(firstBlock).toContain('npm test');
  });

  it('every option has help text', () => {
    for (const [name, spec] of Object.entries(OPTIONS)) expect(spec.help.length, name).toBeGreaterThan(10);
  });
});
