import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownPages } from './helpers/markdown.js';

// Every ```ts / ```tsx block of the README and of the docs site's pages (docs/**/*.md) compiles
// as pasted: each is its own module, under the strictest options an app is likely to have, with
// 'silent-session' resolving to src/ (so nothing needs building). What a block assumes from the
// app (a router, the login form's values) it declares itself, visibly, with `declare const …` —
// there is no hidden prelude. Not even Node's globals: a block written for the browser that
// uses `process` fails here as it would in a Vite app; a block that needs Node's types gets them
// from what it imports (vitest, msw/node) or says so with a `/// <reference types="node" />`.
// docs/api/ is generated from the TSDoc (its examples are fragments of one line) and not checked.
const root = join(import.meta.dirname, '..');

interface Block {
  /** Where the block's first code line is, `page.md:line` (1-based). */
  where: string;
  page: string;
  line: number;
  lang: 'ts' | 'tsx';
  code: string;
  file: string;
}

const blocks: Block[] = [];
const fence = /^```(ts|tsx)\n([\s\S]*?)^```$/gm;
for (const page of markdownPages()) {
  const text = readFileSync(join(root, page), 'utf8');
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const lang = match[1] as 'ts' | 'tsx';
    const line = text.slice(0, match.index).split('\n').length + 1;
    const name = page.replace(/\.md$/, '').split(/[\\/]/).pop() as string;
    // Virtual files next to the page, so 'react', 'ky', 'axios' resolve from the repo's node_modules.
    const file = join(root, dirname(page), `${name}.md.line-${line}.${lang}`);
    blocks.push({ where: `${page}:${line}`, page, line, lang, code: match[2] as string, file });
  }
}

const src = (entry: string) => [join(root, 'src', `${entry}.ts`)];
const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force, // every block is a module of its own
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [], // no ambient globals beyond the DOM (Node's only for blocks that run in Node, below)
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

// Two programs, one type-check of src each. Blocks that run in Node (vitest, msw/node, a node:
// module, a server-side package or the server half, a reference to Node's types) or use tools whose own types bring Node's (Storybook)
// get Node's globals; every other block is browser code, compiled without them (in one
// program, one block's Node types would leak into all the others).
const NODE_IMPORT = /from '(vitest|msw\/node|node:[a-z/]+|@storybook\/[a-z-]+|msw-storybook-addon\/csf3|express|ioredis|redis|@hono\/node-server|silent-session\/server)'|\/\/\/ <reference types="node" \/>/;
const runsInNode = (block: Block) => NODE_IMPORT.test(block.code);

function compile(group: Block[], types: string[]): ts.Program {
  const byFile = new Map(group.map((b) => [b.file, b]));
  const host = ts.createCompilerHost({ ...options, types });
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const block = byFile.get(file);
    return block ? ts.createSourceFile(file, block.code, language) : getSourceFile(file, language, ...rest);
  };
  host.fileExists = (file) => byFile.has(file) || fileExists(file);
  host.readFile = (file) => byFile.get(file)?.code ?? readFile(file);
  return ts.createProgram(group.map((b) => b.file), { ...options, types }, host);
}

const nodeProgram = compile(blocks.filter(runsInNode), ['node']);
const browserProgram = compile(blocks.filter((b) => !runsInNode(b)), []);

function problemsIn(block: Block): string[] {
  const program = runsInNode(block) ? nodeProgram : browserProgram;
  const file = program.getSourceFile(block.file);
  if (!file) return ['not compiled'];
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const at = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line;
    return `${block.page}:${block.line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('code blocks of the README and the docs', () => {
  it('has ts and tsx blocks to check, in the README and in the docs pages', () => {
    expect(blocks.filter((b) => b.page === 'README.md').length).toBeGreaterThan(5);
    expect(blocks.filter((b) => b.page !== 'README.md').length).toBeGreaterThan(20);
    expect(blocks.some((b) => b.lang === 'tsx')).toBe(true);
    expect(new Set(blocks.map((b) => relative(root, b.file))).size).toBe(blocks.length);
  });

  it('compiles browser code without Node’s globals', () => {
    const probe = blocks.find((b) => !runsInNode(b));
    expect(probe).toBeDefined();
    const file = browserProgram.getSourceFile(probe!.file)!;
    expect(browserProgram.getTypeChecker().resolveName('process', file, ts.SymbolFlags.Value, false)).toBeUndefined();
    expect(blocks.filter(runsInNode).map((b) => b.where).length).toBeGreaterThan(0);
  });

  it.each(blocks.map((b) => [`${b.lang} block at ${b.where}`, b] as const))('%s compiles as pasted', (_, block) => {
    expect(problemsIn(block)).toEqual([]);
  });
});
