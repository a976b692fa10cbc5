import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';

// A Node-only project (no DOM lib, skipLibCheck off) type-checks our declarations too: a DOM
// type in a public signature (Storage, RequestCredentials, …) breaks its build. The consumer
// test (npm run test:consumer) checks the packed tarball; this checks src's declarations in
// `npm test`, with nothing built.
const root = join(import.meta.dirname, '../..');
mkdirSync(join(root, '.tmp'), { recursive: true });
const out = mkdtempSync(join(root, '.tmp', 'node-types-')); // inside the repo: node_modules resolves
afterAll(() => rmSync(out, { recursive: true, force: true }));

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
};

it('the declarations of ., ./fetch, ./ky, ./axios and ./dpop type-check in a Node project without the DOM lib', () => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json unreadable');
  const entries = ['index', 'fetch', 'ky', 'axios', 'dpop'].map((e) => join(root, 'src', `${e}.ts`));
  const emitting = ts.createProgram(entries, {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, 'src'),
    outDir: out,
  });
  const emitted = emitting.emit();
  expect(ts.formatDiagnostics(emitted.diagnostics, formatHost)).toBe('');

  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(out, 'app.ts'),
    [
      "import { createSession, jsonRefresh, webStorage, type Session } from './index.js';",
      "import { createAuthFetch } from './fetch.js';",
      "import { withSession } from './ky.js';",
      "import { attachSession } from './axios.js';",
      "import { dpop, memoryKeyStore, type DpopBinding, type DpopKeyStore } from './dpop.js';",
      "export const session: Session = createSession({ refresh: jsonRefresh({ url: 'http://127.0.0.1/refresh', credentials: 'include' }) });",
      'export const all = [webStorage, createAuthFetch, withSession, attachSession];',
      'export const store: DpopKeyStore = memoryKeyStore();',
      'export const binding: DpopBinding = dpop({ keyStore: store });',
      "export const proof: Promise<string> = binding.proof({ method: 'GET', url: 'http://127.0.0.1/x' });",
      // a store the app writes with Node's own WebCrypto types
      "import { webcrypto } from 'node:crypto';",
      'const pairs = new Map<string, webcrypto.CryptoKeyPair>();',
      'export const nodeStore: DpopKeyStore = { load: async (n) => pairs.get(n) ?? null, save: async (n, p: webcrypto.CryptoKeyPair) => void pairs.set(n, p), delete: async (n) => void pairs.delete(n) };',
    ].join('\n'),
  );
  const checking = ts.createProgram([join(out, 'app.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  });
  const problems = ts.getPreEmitDiagnostics(checking).filter((d) => d.file === undefined || d.file.fileName.startsWith(out));
  expect(ts.formatDiagnostics(problems, formatHost)).toBe('');
}, 60_000); // a declaration emit of src: a few seconds, more on a busy machine
