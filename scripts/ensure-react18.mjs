// `npm test` also runs the React tests against React 18 (see vitest.config.ts). React 18 and 19
// cannot share one node_modules, so React 18 lives in test/react18 with its own install, made
// here on first use.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '../test/react18');
if (!existsSync(join(dir, 'node_modules/react/package.json'))) {
  console.log('Installing React 18 for the React 18 test project (test/react18)…');
  execSync('npm install --no-audit --no-fund --no-save', { cwd: dir, stdio: 'inherit' });
}
