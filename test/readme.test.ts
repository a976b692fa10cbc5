import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sessionMachine, toMermaid } from '../src/index.js';

const path = join(import.meta.dirname, '../README.md');
const block = /(<!-- statechart:start -->\n```mermaid\n)([\s\S]*?)(\n```\n<!-- statechart:end -->)/;

it('shows the statechart exactly as toMermaid(sessionMachine) generates it', () => {
  const readme = readFileSync(path, 'utf8');
  const generated = toMermaid(sessionMachine);
  if (process.env.UPDATE_README === '1') {
    writeFileSync(path, readme.replace(block, (_, a: string, _old: string, c: string) => a + generated + c));
    return;
  }
  const match = block.exec(readme);
  expect(match, 'README has no statechart block').not.toBeNull();
  expect(match?.[2]).toBe(generated);
});
