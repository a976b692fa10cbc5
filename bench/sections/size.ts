// Table 3: bundle size, min+gzip, measured by size-limit 12 (esbuild + gzip level 9), the same
// tool and settings as the CI budgets in .size-limit.json. "Own code": the package's
// dependencies (xstate, jwt-decode; tslib, jwt-decode for the others) and peers external.
// "Total": dependencies bundled in, peers (ky, axios, react) still external.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fmt, type GoalCheck, type SectionResult, type Table } from '../lib/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = (f: string) => join(root, 'dist', f);
const mod = (f: string) => join(root, 'node_modules', f);
const DEPS = ['xstate', 'jwt-decode'];

interface Check {
  name: string;
  /** The entry's source: what an app imports. */
  entry: string;
  ignore?: string[];
}

interface Measured {
  name: string;
  size: number;
  sizeLimit?: number;
  passed?: boolean;
}

/** Runs size-limit's CLI; over-budget checks make it exit 1, which is still a result. */
async function runSizeLimit(args: string[]): Promise<Measured[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [join(root, 'node_modules/size-limit/bin.js'), ...args, '--json'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout.trim().startsWith('[')) throw error;
  }
  return JSON.parse(stdout.slice(stdout.indexOf('['))) as Measured[];
}

/**
 * Extra checks, each an entry module written under node_modules/.cache (so bare specifiers
 * like 'xstate' resolve from the repo), measured by the same size-limit plugins.
 */
async function sizeLimit(checks: Check[]): Promise<Map<string, number>> {
  const dir = join(root, 'node_modules/.cache/silent-session-bench-size');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = checks.map((c, i) => {
    const file = join(dir, `entry${i}.js`);
    writeFileSync(file, `${c.entry}\n`);
    return { name: c.name, path: file, gzip: true, ...(c.ignore ? { ignore: c.ignore } : {}) };
  });
  const configFile = join(dir, 'size-limit.json');
  writeFileSync(configFile, JSON.stringify(config));
  try {
    return new Map((await runSizeLimit(['--config', configFile])).map((r) => [r.name, r.size]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Minified bytes per source file in one entry's bundle (esbuild metafile), for "where the bytes go". */
async function attribution(contents: string, external: string[]): Promise<{ gzip: number; files: Array<[string, number]> }> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    metafile: true,
    external,
    logLevel: 'silent',
    outfile: 'out.js',
    define: { 'process.env.NODE_ENV': '"production"' }, // dist/*.js: the production messages
  });
  const out = Object.values(result.metafile.outputs)[0];
  const files = Object.entries(out?.inputs ?? {})
    .map(([file, v]) => [file.replace(/^src\//, ''), v.bytesInOutput] as [string, number])
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1]);
  return { gzip: gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).length, files };
}

const TYPICAL_APP = [
  `export { createSession, jsonRefresh, webStorage, broadcastSync, webLocks } from ${JSON.stringify(dist('index.js'))};`,
  `export { withSession } from ${JSON.stringify(dist('ky.js'))};`,
  `export { SessionProvider, useSession } from ${JSON.stringify(dist('react.js'))};`,
].join('\n');

export async function run(_options: { quick: boolean }): Promise<SectionResult> {
  if (!existsSync(dist('index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const ci = await runSizeLimit([]); // exactly what `npm run size` checks in CI (.size-limit.json)
  const all = (...files: string[]) => files.map((f) => `export * from ${JSON.stringify(dist(f))};`).join('\n');
  const ours: Check[] = [
    { name: '. (core)', entry: all('index.js'), ignore: DEPS },
    { name: './ky', entry: all('ky.js'), ignore: DEPS },
    { name: './fetch', entry: all('fetch.js'), ignore: DEPS },
    { name: './axios', entry: all('axios.js'), ignore: DEPS },
    { name: './react hooks', entry: `export { SessionProvider, useSession, useSessionSelector } from ${JSON.stringify(dist('react.js'))};`, ignore: DEPS },
    { name: './devtools', entry: all('devtools.js'), ignore: DEPS },
    { name: '. + ./ky own', entry: all('index.js', 'ky.js'), ignore: DEPS },
    { name: '. + ./fetch own', entry: all('index.js', 'fetch.js'), ignore: DEPS },
    { name: '. + ./axios own', entry: all('index.js', 'axios.js'), ignore: DEPS },
    { name: '. + ./ky total', entry: all('index.js', 'ky.js') },
    {
      name: 'typical own',
      entry: `export { createSession, jsonRefresh, webStorage } from ${JSON.stringify(dist('index.js'))};`,
      ignore: DEPS,
    },
    {
      name: 'typical',
      entry: `export { createSession, jsonRefresh, webStorage } from ${JSON.stringify(dist('index.js'))};\nexport { withSession } from ${JSON.stringify(dist('ky.js'))};`,
    },
    // the typical app of issue 21 (goal ≤ 25 kB shipped, own ≤ 11.7 kB): tabs, lock, React hooks too
    { name: 'typical app own', entry: TYPICAL_APP, ignore: DEPS },
    { name: 'typical app', entry: TYPICAL_APP },
    { name: 'deps', entry: "export { setup, assign, fromPromise, fromCallback, createActor } from 'xstate';\nexport { jwtDecode } from 'jwt-decode';" },
  ];
  const others: Check[] = [
    { name: 'aar', entry: `export * from ${JSON.stringify(mod('axios-auth-refresh/dist/index.esm.js'))};`, ignore: ['axios'] },
    { name: 'oidc own', entry: `export * from ${JSON.stringify(mod('oidc-client-ts/dist/esm/oidc-client-ts.js'))};`, ignore: ['jwt-decode'] },
    { name: 'oidc total', entry: `export * from ${JSON.stringify(mod('oidc-client-ts/dist/esm/oidc-client-ts.js'))};` },
    { name: 'supabase own', entry: `export * from ${JSON.stringify(mod('@supabase/auth-js/dist/module/index.js'))};`, ignore: ['tslib'] },
    { name: 'supabase total', entry: `export * from ${JSON.stringify(mod('@supabase/auth-js/dist/module/index.js'))};` },
  ];
  const sizes = await sizeLimit([...ours, ...others]);
  const findings0: string[] = [];
  const get = (name: string) => sizes.get(name) ?? Number.NaN;
  const core = get('. (core)');
  const budget = (limit: number, size: number) => (size <= limit ? `≤ ${fmt.kb(limit)} ✓` : `≤ ${fmt.kb(limit)} ✗ (+${fmt.bytes(size - limit)}, ${(size / limit).toFixed(2)}×)`);
  const rows: string[][] = [
    ['`.` (core)', fmt.kb(core), '–', budget(4000, core)],
    ...(['ky', 'fetch', 'axios'] as const).map((a) => [
      `\`./${a}\``,
      fmt.kb(get(`./${a}`)),
      fmt.kb(get(`. + ./${a} own`) - core),
      budget(1000, get(`./${a}`)),
    ]),
    ['`.` typical imports only (createSession, jsonRefresh, webStorage)', fmt.kb(get('typical own')), '–', 'informational'],
    ['`./react` hooks only', fmt.kb(get('./react hooks')), '–', budget(1500, get('./react hooks'))],
    ['`./devtools` (SessionStatechart, SessionPanel)', fmt.kb(get('./devtools')), '–', 'informational'],
  ];
  const totals: string[][] = [
    ['silent-session `.` + `./ky`, everything exported', fmt.kb(get('. + ./ky own')), fmt.kb(get('. + ./ky total'))],
    ['silent-session, typical imports (createSession, jsonRefresh, webStorage, withSession)', '–', fmt.kb(get('typical'))],
    [
      'silent-session, the typical app (+ broadcastSync, webLocks, SessionProvider, useSession; goal ≤ 25 kB, own ≤ 11.7 kB)',
      fmt.kb(get('typical app own')),
      fmt.kb(get('typical app')),
    ],
    ['xstate + jwt-decode alone (the functions silent-session imports)', '–', fmt.kb(get('deps'))],
    ['axios-auth-refresh 5.0.2', fmt.kb(get('aar')), fmt.kb(get('aar'))],
    ['oidc-client-ts 3.5.0', fmt.kb(get('oidc own')), fmt.kb(get('oidc total'))],
    ['@supabase/auth-js 2.119.1', fmt.kb(get('supabase own')), fmt.kb(get('supabase total'))],
  ];
  const goals: GoalCheck[] = ci
    .filter((c) => c.sizeLimit !== undefined)
    .map((c) => ({
      goal: `${c.name} ≤ ${fmt.kb(c.sizeLimit as number)} (.size-limit.json, \`npm run size\`)`,
      measured: `${fmt.kb(c.size)}${c.passed ? '' : `, ${(c.size / (c.sizeLimit as number)).toFixed(2)}× the budget`}`,
      met: c.passed === true,
    }));
  // The goals of issue 7, separate from the CI budgets (which hold today's sizes against regressions).
  goals.unshift(
    { goal: 'issue goal: core `.` own code ≤ 4 kB', measured: `${fmt.kb(core)} (createSession alone: ${fmt.kb(ci[0]?.size ?? Number.NaN)})`, met: core <= 4000 },
    ...(['ky', 'fetch', 'axios'] as const).map((a) => ({ goal: `issue goal: \`./${a}\` ≤ 1 kB`, measured: `${fmt.kb(get(`./${a}`))} alone, ${fmt.kb(get(`. + ./${a} own`) - core)} on top of \`.\``, met: get(`./${a}`) <= 1000 })),
    { goal: 'issue goal: `./react` hooks ≤ 1.5 kB', measured: fmt.kb(get('./react hooks')), met: get('./react hooks') <= 1500 },
    { goal: 'issue 21 goal: the typical app ships ≤ 25 kB (xstate and jwt-decode included)', measured: fmt.kb(get('typical app')), met: get('typical app') <= 25_000 },
    { goal: 'issue 21 goal: the typical app own code ≤ 11.7 kB', measured: fmt.kb(get('typical app own')), met: get('typical app own') <= 11_700 },
  );
  for (const a of ['ky', 'fetch', 'axios'] as const) {
    findings0.push(`\`./${a}\` alone is ${fmt.kb(get(`./${a}`))}; on top of \`.\` it adds ${fmt.kb(get(`. + ./${a} own`) - core)} (the adapter core and SessionError are shared with \`.\` or with the other adapters).`);
  }

  // Where the bytes go: minified bytes per source file (esbuild on src/, same externals).
  const external = [...DEPS, 'ky', 'axios', 'react', 'react/jsx-runtime', '@xstate/react'];
  const findings = [...findings0, '', '### Where the bytes go (minified bytes per source file, esbuild metafile of src/; shares of the minified bundle)', ''];
  const entries: Array<[string, string]> = [
    ['`.`', "export * from './src/index.ts';"],
    ['`createSession` alone (the core budget)', "export { createSession } from './src/index.ts';"],
    ['`.` typical imports (createSession, jsonRefresh, webStorage)', "export { createSession, jsonRefresh, webStorage } from './src/index.ts';"],
    [
      'the typical app (+ broadcastSync, webLocks, withSession, SessionProvider, useSession)',
      "export { createSession, jsonRefresh, webStorage, broadcastSync, webLocks } from './src/index.ts';\nexport { withSession } from './src/ky.ts';\nexport { SessionProvider, useSession } from './src/react.ts';",
    ],
    ['`./ky`', "export * from './src/ky.ts';"],
    ['`./fetch`', "export * from './src/fetch.ts';"],
    ['`./axios`', "export * from './src/axios.ts';"],
    ['`./react` hooks', "export { SessionProvider, useSession, useSessionSelector } from './src/react.ts';"],
  ];
  for (const [label, contents] of entries) {
    try {
      const { files, gzip } = await attribution(contents, external);
      const total = files.reduce((s, [, b]) => s + b, 0);
      findings.push(
        `- ${label} (${fmt.bytes(total)} minified, ${fmt.bytes(gzip)} gzip): ${files
          .map(([f, b]) => `${f} ${fmt.bytes(b)} (${((b / total) * 100).toFixed(0)}%)`)
          .join(', ')}`,
      );
    } catch (error) {
      findings.push(`- ${label}: attribution failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    }
  }

  const tables: Table[] = [
    {
      caption: 'silent-session, own code per subpath (min+gzip; peers, xstate and jwt-decode external)',
      header: ['subpath', 'alone', 'on top of `.`', 'budget'],
      rows,
      notes: [
        '"alone" is what size-limit reports for the subpath by itself, including the shared adapter core and error class it imports; "on top of `.`" is size(`.` + subpath) − size(`.`): what an app that already imports the core pays for the adapter.',
        'All exports are kept (`import *`), except the rows that name their imports (what tree-shaking leaves of the subpath).',
      ],
    },
    {
      caption: 'The CI budgets (.size-limit.json, as `npm run size` checks them)',
      header: ['check', 'size', 'budget', ''],
      rows: ci.map((c) => [c.name, fmt.kb(c.size), c.sizeLimit === undefined ? 'informational' : fmt.kb(c.sizeLimit), c.sizeLimit === undefined ? '' : c.passed ? 'pass' : 'FAIL']),
    },
    {
      caption: 'Compared with other packages, measured the same way (min+gzip; peers external)',
      header: ['package', 'own code (dependencies external)', 'total (dependencies included)'],
      rows: totals,
      notes: ['size-limit 12.1.0 with @size-limit/preset-small-lib (esbuild, gzip level 9), run by this benchmark against dist/ and node_modules/.'],
    },
  ];
  return { title: '3. Bundle size', tables, goals, findings };
}
