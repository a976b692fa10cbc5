import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// `silent-session/server` runs in Node servers, in edge runtimes, and — for the MSW kit's mock
// backend — in a browser: nothing reachable from it may load a Node module or touch a Node global,
// and its declarations must compile both for a Node project without the DOM lib and for a browser
// project without @types/node.
const root = join(import.meta.dirname, '../..');

function reachableFrom(entry: string) {
  const files = new Set<string>();
  const specifiers: string[] = [];
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) {
        specifiers.push(`${fileName} (from ${file.slice(root.length + 1)})`);
        continue;
      }
      const base = resolve(dirname(file), fileName).replace(/\.js$/, '');
      const found = ['.ts', '.tsx'].map((ext) => base + ext).find((f) => existsSync(f));
      if (found) visit(found);
    }
  };
  visit(join(root, entry));
  return { files: [...files], specifiers };
}

describe('the server entry is isomorphic', () => {
  it('imports nothing outside itself: no node: module, no package, not even as a type', () => {
    const { files, specifiers } = reachableFrom('src/server.ts');
    expect(files.length).toBeGreaterThan(10);
    expect(specifiers).toEqual([]);
    expect(files.every((f) => f.includes(`${join('src', 'server')}`))).toBe(true);
  });

  it('uses no Node global (Buffer, process, require, setImmediate, __dirname)', () => {
    const dir = join(root, 'src/server');
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of sources) {
      const code = ts.createSourceFile(file, readFileSync(join(dir, file), 'utf8'), ts.ScriptTarget.ES2022, false);
      const found: string[] = [];
      const walk = (node: ts.Node) => {
        if (ts.isIdentifier(node) && /^(Buffer|process|require|setImmediate|__dirname|__filename|global)$/.test(node.text)) found.push(node.text);
        ts.forEachChild(node, walk);
      };
      walk(code);
      expect(found, file).toEqual([]);
    }
  });
});

it('documents every export with TSDoc and an @example', () => {
  const program = ts.createProgram([join(root, 'src/server.ts')], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(join(root, 'src/server.ts'));
  const symbol = entry && checker.getSymbolAtLocation(entry);
  if (!symbol) throw new Error('src/server.ts not found');
  const exports = checker.getExportsOfModule(symbol);
  expect(exports.length).toBeGreaterThan(30);
  const missing = exports
    .filter((e) => {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      return !target.getJsDocTags(checker).some((tag) => tag.name === 'example');
    })
    .map((e) => e.name);
  expect(missing).toEqual([]);
}, 60_000);

mkdirSync(join(root, '.tmp'), { recursive: true });
const out = mkdtempSync(join(root, '.tmp', 'server-types-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };

it('its declarations compile in a Node project without the DOM lib and in a browser project without @types/node', () => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json unreadable');
  const emitted = ts.createProgram([join(root, 'src/server.ts')], { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true, rootDir: join(root, 'src'), outDir: out }).emit();
  expect(ts.formatDiagnostics(emitted.diagnostics, host)).toBe('');
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));

  const common = [
    "import { createTokenFamilies, memoryFamilyStore, redisFamilyStore, refreshHandler, revokeHandler, loginResponse, toNodeHandler, type Rotation, type WebHandler } from './server.js';",
    'const families = createTokenFamilies({ store: memoryFamilyStore(), grace: 10_000 });',
    "export const refresh: WebHandler = refreshHandler({ families, signAccessToken: async (sub) => ({ accessToken: sub, expiresIn: 60 }), cookie: {} });",
    'export const logout: WebHandler = revokeHandler({ families });',
    "export const redis = redisFamilyStore({ sendCommand: async (args: string[]) => args.length });",
    "export const rotation: Promise<Rotation> = families.rotate('x');",
    'export const all = [loginResponse, toNodeHandler];',
  ];
  const check = (name: string, code: string[], options: ts.CompilerOptions) => {
    writeFileSync(join(out, name), code.join('\n'));
    const program = ts.createProgram([join(out, name)], { target: ts.ScriptTarget.ES2022, strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, ...options });
    const problems = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || d.file.fileName.startsWith(out));
    expect(ts.formatDiagnostics(problems, host), name).toBe('');
  };
  // a Node server (that real ioredis, node-redis, node:http and Express objects fit the parameters
  // is checked by the type-check of test/server, whose helpers pass them)
  check(
    'node-app.ts',
    [...common, "import { createServer } from 'node:http';", 'createServer(toNodeHandler(refresh));'],
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts'], types: ['node'] },
  );
  // a browser bundle (the mock backend of a test kit): DOM, and no Node types at all
  check('browser-app.ts', common, { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] });
}, 120_000); // two declaration programs: seconds on an idle machine, much more on a busy one
