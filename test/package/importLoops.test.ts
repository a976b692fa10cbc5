import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// No module of src/ reaches itself again through what it imports at run time (type-only
// imports vanish at build time and may go both ways). A loop is where a split went wrong: a
// leaf module that also needs its user (tokens.ts ↔ redact.ts, layout ↔ chart labels) gets
// evaluated half-done in some bundle orders.
const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The src/ files `file` imports for their values (not `import type`, not `export type`). */
function valueImports(file: string, known: Set<string>): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const node of source.statements) {
    const spec = (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) continue;
    if (ts.isExportDeclaration(node) && node.isTypeOnly) continue;
    const base = resolve(dirname(file), spec.text).replace(/\.js$/, '');
    const target = [`${base}.ts`, `${base}.tsx`].find((f) => known.has(f));
    if (target) out.push(target);
  }
  return out;
}

describe('import graph of src/', () => {
  it('has no loops', () => {
    const all = files(src);
    const known = new Set(all);
    const graph = new Map(all.map((f) => [f, valueImports(f, known)]));
    const loops: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const next of graph.get(f) ?? []) {
        if (state.get(next) === 'open') loops.push([...stack.slice(stack.indexOf(next)), next].map((p) => relative(src, p)).join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of all) if (!state.has(f)) visit(f);
    expect(graph.size).toBeGreaterThan(50); // the walk found the sources
    expect(loops).toEqual([]);
  });
});
