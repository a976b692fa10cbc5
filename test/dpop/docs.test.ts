import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

// Every ```ts block of docs/dpop.md compiles as pasted (strict, with 'silent-session/dpop'
// resolving to src/), as the README's blocks do in test/readme-blocks.test.ts.
const root = join(import.meta.dirname, '../..');
const page = readFileSync(join(root, 'docs/dpop.md'), 'utf8');
const blocks = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => {
  const line = page.slice(0, m.index).split('\n').length + 1;
  return { line, code: m[1] as string, file: join(root, `docs/dpop.md.line-${line}.ts`) };
});

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: true,
  noEmit: true,
  paths: { 'silent-session': [join(root, 'src/index.ts')], 'silent-session/*': [join(root, 'src/*.ts')] },
};
const byFile = new Map(blocks.map((b) => [b.file, b]));
const host = ts.createCompilerHost(options);
const getSourceFile = host.getSourceFile.bind(host);
const fileExists = host.fileExists.bind(host);
const readFile = host.readFile.bind(host);
host.getSourceFile = (file, language, ...rest) => {
  const block = byFile.get(file);
  return block ? ts.createSourceFile(file, block.code, language) : getSourceFile(file, language, ...rest);
};
host.fileExists = (file) => byFile.has(file) || fileExists(file);
host.readFile = (file) => byFile.get(file)?.code ?? readFile(file);
const program = ts.createProgram(blocks.map((b) => b.file), options, host);

it('docs/dpop.md has its examples as ts blocks', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
});

it.each(blocks.map((b) => [`docs/dpop.md:${b.line}`, b] as const))('the block at %s compiles as pasted', (_, block) => {
  const file = program.getSourceFile(block.file);
  const problems = file
    ? [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(
        (d) => `${block.line + (d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      )
    : ['not compiled'];
  expect(problems).toEqual([]);
});
