import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sessionMachine, toMermaid } from '../src/index.js';

// The chart lives on the docs site's statechart page (it moved there from the README).
const path = join(import.meta.dirname, '../docs/statechart.md');
const block = /(<!-- statechart:start -->\n```mermaid\n)([\s\S]*?)(\n```\n<!-- statechart:end -->)/;

it('shows the statechart exactly as toMermaid(sessionMachine) generates it', () => {
  const page = readFileSync(path, 'utf8');
  const generated = toMermaid(sessionMachine);
  if (process.env.UPDATE_CHART === '1') {
    writeFileSync(path, page.replace(block, (_, a: string, _old: string, c: string) => a + generated + c));
    return;
  }
  const match = block.exec(page);
  expect(match, 'docs/statechart.md has no statechart block').not.toBeNull();
  expect(match?.[2]).toBe(generated);
});
