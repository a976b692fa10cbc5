import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

// Every ```ts block of docs/server.md compiles as pasted (strict, each block its own module,
// 'silent-session' and its subpaths resolving to src/), as the README's blocks do.
const root = join(import.meta.dirname, '../..');
const page = readFileSync(join(root, 'docs/server.md'), 'utf8');
const blocks: Array<{ line: number; code: string; file: string }> = [];
for (const match of page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
  const line = page.slice(0, match.index).split('\n').length + 1;
  blocks.push({ line, code: match[1] as string, file: join(root, `docs-server.line-${line}.ts`) });
}

it('docs/server.md: every TypeScript example compiles', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  const exports = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports).filter((k) => k !== './package.json');
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
    paths: Object.fromEntries(exports.map((k) => [k === '.' ? 'silent-session' : `silent-session/${k.slice(2)}`, [join(root, 'src', `${k === '.' ? 'index' : k.slice(2)}.ts`)]])),
  };
  const byFile = new Map(blocks.map((b) => [b.file, b]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const block = byFile.get(file);
    return block ? ts.createSourceFile(file, block.code, language) : getSourceFile(file, language, ...rest);
  };
  host.fileExists = (file) => byFile.has(file) || fileExists(file);
  const program = ts.createProgram([...byFile.keys()], options, host);
  const problems = blocks.flatMap((block) => {
    const file = program.getSourceFile(block.file);
    if (!file) return [`docs/server.md:${block.line}: not compiled`];
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
      const at = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line;
      return `docs/server.md:${block.line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  });
  expect(problems).toEqual([]);
}, 120_000);
