import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every ```ts / ```tsx block of the README compiles as pasted: each is its own module, under
// the strictest options an app is likely to have, with 'silent-session' resolving to src/ (so
// nothing needs building). What a block assumes from the app (a router, the login form's
// values) it declares itself, visibly, with `declare const …` — there is no hidden prelude.
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block {
  /** 1-based README line of the block's first code line. */
  line: number;
  lang: 'ts' | 'tsx';
  code: string;
  file: string;
}

const blocks: Block[] = [];
const fence = /^```(ts|tsx)\n([\s\S]*?)^```$/gm;
for (let match = fence.exec(readme); match !== null; match = fence.exec(readme)) {
  const lang = match[1] as 'ts' | 'tsx';
  const line = readme.slice(0, match.index).split('\n').length + 1;
  // Virtual files next to the repo, so 'react', 'ky', 'axios' resolve from its node_modules.
  blocks.push({ line, lang, code: match[2] as string, file: join(root, `README.line-${line}.${lang}`) });
}

const src = (entry: string) => [join(root, 'src', `${entry}.ts`)];
const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force, // every block is a module of its own
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: true,
  noEmit: true,
  // every subpath the package exports, so a new one cannot be missed here
  paths: Object.fromEntries(
    Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports)
      .filter((key) => key !== './package.json')
      .map((key) => [key === '.' ? 'silent-session' : `silent-session/${key.slice(2)}`, src(key === '.' ? 'index' : key.slice(2))]),
  ),
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

// One program for all blocks: one type-check of src, not one per block.
const program = ts.createProgram(blocks.map((b) => b.file), options, host);

function problemsIn(block: Block): string[] {
  const file = program.getSourceFile(block.file);
  if (!file) return ['not compiled'];
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const at = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line;
    return `README.md:${block.line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('README code blocks', () => {
  it('has ts and tsx blocks to check', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.some((b) => b.lang === 'tsx')).toBe(true);
  });

  it.each(blocks.map((b) => [`${b.lang} block at README.md:${b.line}`, b] as const))('%s compiles as pasted', (_, block) => {
    expect(problemsIn(block)).toEqual([]);
  });
});
