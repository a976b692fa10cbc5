import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// The three client adapters share what they share through small modules (fetchCore, authorize,
// origins, replayable), never through each other's files.
const dir = join(import.meta.dirname, '../../src/adapters');
const importsOf = (file: string) => [...readFileSync(join(dir, file), 'utf8').matchAll(/from '(\.\/[^']+)'/g)].map((m) => m[1]);

it.each([
  ['ky.ts', ['./fetch.js', './axios.js']],
  ['axios.ts', ['./fetch.js', './ky.js', './fetchCore.js']],
  ['fetch.ts', ['./ky.js', './axios.js']],
])('%s imports no other client adapter', (file, forbidden) => {
  const imports = importsOf(file);
  expect(imports.length).toBeGreaterThan(0);
  expect(imports.filter((i) => forbidden.includes(i as string))).toEqual([]);
});
