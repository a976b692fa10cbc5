import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

// DPoP costs nothing to an app that does not import `silent-session/dpop`: no other entry
// reaches src/dpop at run time (the session's options and the refresh context name its types,
// which cost no byte). And src/dpop stands nearly alone: it knows nothing of the machine's
// state, the adapters or any HTTP client; it reaches only the warning helper and the symbol by
// which a session finds what its adapters ask of the binding (src/machine/sessionDpop.ts).
const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

/** The relative modules a file imports or re-exports for their values (`import type` and `export type` left out). */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const found: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = node.importClause?.namedBindings;
      const onlyTypes = bindings && ts.isNamedImports(bindings) && !node.importClause?.name && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) found.push(node.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
  }
  return found;
}

/** Every src file a module reaches through relative imports of values. */
function reach(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const fileName of valueImports(file)) {
      if (!fileName.startsWith('.')) continue;
      const base = resolve(dirname(file), fileName).replace(/\.js$/, '');
      const found = ['.ts', '.tsx'].map((ext) => base + ext).find((f) => existsSync(f));
      if (found) visit(found);
    }
  };
  visit(join(root, entry));
  return [...seen].map((f) => relative(root, f));
}

const entries = Object.keys(pkg.exports)
  .filter((s) => s !== './package.json' && s !== './dpop')
  .map((s) => (s === '.' ? 'src/index.ts' : `src/${s.slice(2)}.ts`));

it.each(entries)('%s never reaches src/dpop', (entry) => {
  const files = reach(entry);
  expect(files.length).toBeGreaterThan(1);
  expect(files.filter((f) => f.startsWith('src/dpop'))).toEqual([]);
});

it('src/dpop imports only itself, the shared warning helper and the session-side symbol', () => {
  const files = reach('src/dpop.ts');
  expect(files.filter((f) => f.startsWith('src/dpop/')).length).toBeGreaterThanOrEqual(6);
  expect(files.filter((f) => !f.startsWith('src/dpop')).sort()).toEqual(['src/machine/sessionDpop.ts', 'src/machine/util.ts']);
});

it('the session-side module every entry shares imports nothing but types', () => {
  expect(valueImports(join(root, 'src/machine/sessionDpop.ts'))).toEqual([]);
});

it('package.json exports ./dpop for import and require, with types for each, and tsup builds it', () => {
  expect(pkg.exports['./dpop']).toEqual({
    // development/node: the long messages (dist/dev); production/default: the codes (docs/messages.md)
    import: { types: './dist/dpop.d.ts', development: './dist/dev/dpop.js', production: './dist/dpop.js', node: './dist/dev/dpop.js', default: './dist/dpop.js' },
    require: { types: './dist/dpop.d.cts', default: './dist/dpop.cjs' },
  });
  expect(readFileSync(join(root, 'tsup.config.ts'), 'utf8')).toContain("dpop: 'src/dpop.ts'");
});

it('every public export of ./dpop has TSDoc with an @example', () => {
  const program = ts.createProgram([join(root, 'src/dpop.ts')], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(join(root, 'src/dpop.ts'));
  const module = entry && checker.getSymbolAtLocation(entry);
  if (!module) throw new Error('src/dpop.ts not compiled');
  const exports = checker.getExportsOfModule(module);
  expect(exports.length).toBeGreaterThanOrEqual(15);
  const without = exports
    .map((s) => checker.getAliasedSymbol(s))
    .filter((s) => !(s.declarations ?? []).some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'example')))
    .map((s) => s.name);
  expect(without).toEqual([]);
});
