import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

// Dev-only words (docs/messages.md): a production bundle carries codes, not the long texts; a
// development one (and Node, and these tests) the long texts. Both keep the error's kind.
const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'silent-session-messages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The typical app's imports, as an app bundles them.
const TYPICAL = `export { createSession, jsonRefresh, webStorage, broadcastSync, webLocks, isSessionError } from './src/index.ts';
export { withSession } from './src/ky.ts';
export { SessionProvider, useSession } from './src/react.ts';`;

async function bundle(mode: 'production' | 'development'): Promise<{ code: string; file: string }> {
  const result = await build({
    stdin: { contents: TYPICAL, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['xstate', 'jwt-decode', 'ky', 'react', 'react/jsx-runtime'],
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  const file = join(work, `${mode}.mjs`);
  // bare imports resolve from the repository's node_modules
  writeFileSync(file, code.replace(/from"(xstate|jwt-decode|ky|react|react\/jsx-runtime)"/g, (_, name: string) => `from"${pathToFileURL(join(root, 'node_modules', name === 'react/jsx-runtime' ? 'react/jsx-runtime.js' : name)).href}${name === 'xstate' ? '/dist/xstate.esm.js' : name === 'jwt-decode' ? '/build/esm/index.js' : name === 'ky' ? '/distribution/index.js' : name === 'react' ? '/index.js' : ''}"`));
  return { code, file };
}

type Typical = typeof import('../../src/index.ts');
const LONG = [
  'navigator.locks is not available',
  'the refresh answer has no access token: looked for',
  'must be a function ({ refreshToken, signal })',
  'that carries no HTTP status',
  'credential requests do not follow redirects',
];

describe('messages in production and development builds', () => {
  it('a production bundle of the typical app carries none of the long texts, and no `process`', async () => {
    const { code } = await bundle('production');
    expect(LONG.filter((text) => code.includes(text))).toEqual([]);
    expect(code.includes('process.env')).toBe(false);
    expect(code.includes('no-access-token')).toBe(true);
  });

  it('a development bundle keeps them', async () => {
    const { code } = await bundle('development');
    expect(LONG.filter((text) => !code.includes(text))).toEqual([]);
  });

  it('in production an app still gets the kind and a code naming the docs entry', async () => {
    const prod = (await import(pathToFileURL((await bundle('production')).file).href)) as Typical;
    expect(() => prod.createSession({} as never)).toThrow(TypeError);
    expect(() => prod.createSession({} as never)).toThrow('refresh-option (see silent-session docs/messages#refresh-option)');
    expect(() => prod.createSession({ refresh: async () => ({ accessToken: 'a' }), refreshTimeout: -1 })).toThrow(/^refreshTimeout: option-value/);

    // a refresh answer without an access token: kind invalid-response, the code instead of the list of fields looked for
    const fetch = async () => new Response('{"data":{"nothing":1}}', { headers: { 'content-type': 'application/json' } });
    const refresh = prod.jsonRefresh({ url: 'http://127.0.0.1:1/refresh', fetch });
    const error: unknown = await refresh({ refreshToken: 'r', signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(prod.isSessionError(error) && error.kind).toBe('invalid-response');
    expect((error as Error).message).toBe('no-access-token (see silent-session docs/messages#no-access-token)');
  });

  it('in development (and in these tests) the same mistakes name their remedy', async () => {
    const dev = (await import(pathToFileURL((await bundle('development')).file).href)) as Typical;
    expect(() => dev.createSession({} as never)).toThrow('createSession: `refresh` must be a function');
    const fetch = async () => new Response('{"data":{"nothing":1}}', { headers: { 'content-type': 'application/json' } });
    const error: unknown = await dev.jsonRefresh({ url: 'http://127.0.0.1:1/refresh', fetch })({ refreshToken: 'r', signal: new AbortController().signal }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('looked for accessToken, access_token, token');
  });

  it('every code has its entry on docs/messages.md', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
    const codes = new Set(files(join(root, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bmsg\('([a-z-]+)'\)/g)].map((m) => m[1] as string)));
    expect(codes.size).toBeGreaterThan(30);
    const page = readFileSync(join(root, 'docs/messages.md'), 'utf8');
    const missing = [...codes].filter((code) => !page.includes(`\n### ${code}\n`));
    expect(missing).toEqual([]);
  });

  it('every subpath sends `development` and `node` to the long build, `production` and `default` to the short one', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import?: Record<string, string> }> };
    for (const [subpath, entry] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') continue;
      const name = subpath === '.' ? 'index' : subpath.slice(2);
      expect(Object.keys(entry.import ?? {}), subpath).toEqual(['types', 'development', 'production', 'node', 'default']);
      expect(entry.import, subpath).toMatchObject({
        development: `./dist/dev/${name}.js`,
        node: `./dist/dev/${name}.js`,
        production: `./dist/${name}.js`,
        default: `./dist/${name}.js`,
      });
    }
  });
});
