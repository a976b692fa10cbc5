// The package as an app meets it: `npm pack`, installed into fresh temp folders exactly as the
// README's install table says, then a Vite + React app built on ky 2 and on ky 1 (with the
// debug view), and a Node-only TypeScript project type-checked (node10, nodenext) and run.
// Usage: node scripts/consumer-test.mjs [--tarball <file>] [--keep]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'test/consumer');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const given = args.includes('--tarball') ? resolve(args[args.indexOf('--tarball') + 1] ?? '') : undefined;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

let work; // the temp folder, left in place when a step fails
function fail(message) {
  console.error(`\nconsumer test FAILED: ${message}${work ? `\n(left for a look: ${work})` : ''}`);
  process.exit(1);
}

function run(cwd, command, commandArgs, env = {}) {
  const at = Date.now();
  const shown = `${work && command.startsWith(work) ? basename(command) : command} ${commandArgs.join(' ')}`.replace(/\S*silent-session-\d[^ ]*\.tgz/, 'silent-session.tgz');
  const result = spawnSync(command, commandArgs, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    fail(`\`${shown}\` in ${cwd} exited with ${result.status}`);
  }
  console.log(`  ✓ ${shown} (${seconds(at)})`);
  return result.stdout;
}

const npmInstall = (cwd, packages) => run(cwd, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages]);
// Versions a real app would have today: the ones this repository tests with.
const pinned = (name) => {
  const version = pkg.devDependencies[name];
  if (!version) fail(`no pinned version of ${name} in devDependencies`);
  return `${name}@${version}`;
};

// 1. What the README says to install: `npm install silent-session`, plus, per subpath, the
//    packages in its table row ("nothing" or `pkg`).
const readme = readFileSync(join(root, 'README.md'), 'utf8');
if (!readme.includes('```sh\nnpm install silent-session\n```')) fail('README has no `npm install silent-session` block');
const alsoInstall = new Map();
for (const [, subpath, also] of readme.matchAll(/^\| `silent-session(\/[a-z]+)?` \| ([^|]*) \|/gm)) {
  alsoInstall.set(subpath ? `.${subpath}` : '.', [...also.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}
const readmeLine = (tarball, subpaths, versions = {}) => {
  const extra = new Set();
  for (const subpath of subpaths) {
    const packages = alsoInstall.get(subpath);
    if (!packages) fail(`README's install table has no row for ${subpath}`);
    for (const name of packages) extra.add(versions[name] ?? pinned(name));
  }
  return [tarball, ...extra];
};

// 2. The tarball.
let tarball = given;
work = mkdtempSync(join(tmpdir(), 'silent-session-consumer-'));
if (!tarball) {
  if (!existsSync(join(root, 'dist/index.js')) || !existsSync(join(root, 'dist/index.cjs'))) fail('dist/ is not built: run `npm run build` first');
  const packed = JSON.parse(run(root, 'npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error']));
  tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  for (const needed of ['LICENSE', 'README.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/react.js']) {
    if (!files.includes(needed)) fail(`the tarball lacks ${needed}`);
  }
}

// 3. A Vite + React app, twice: first the app as it was before (react, vite, typescript, and in
//    the second one ky 1, which npm installs unpinned on Node 20), then the README's line for the
//    subpaths it uses.
const scaffold = ['react', 'react-dom', '@types/react', '@types/react-dom', 'vite', '@vitejs/plugin-react', 'typescript'].map(pinned);
const VIEW = 'Session statechart, current state'; // the debug view's svg title
const tool = (cwd, name, toolArgs, env) => run(cwd, join(cwd, 'node_modules/.bin', name), toolArgs, env);
const tsc = (cwd, project) => tool(cwd, 'tsc', ['-p', project]);
const gz = (chunks) => chunks.reduce((sum, code) => sum + gzipSync(code, { level: 9 }).length, 0);

function viteApp(name, ky) {
  const dir = join(work, name);
  cpSync(join(fixtures, 'vite-react'), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  console.log(`Vite + React app on ky ${ky} (${dir})`);
  npmInstall(dir, name.endsWith('ky1') ? [...scaffold, `ky@${ky}`] : scaffold);
  npmInstall(dir, readmeLine(tarball, ['.', './ky', './react'], { ky: `ky@${ky}` }));
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules/ky/package.json'), 'utf8')).version;
  if (installed !== ky) fail(`expected ky ${ky} in ${name}, found ${installed}`);
  if (existsSync(join(dir, 'node_modules/@xstate/react'))) fail('@xstate/react got installed: nothing should need it');
  tsc(dir, 'tsconfig.json');
  const ran = run(dir, process.execPath, ['ky-check.mjs']); // withSession at run time, on this ky
  if (!ran.startsWith(`ok: ky ${ky}:`)) fail(`ky-check said: ${ran}`);
  return {
    build(entry, mode = 'production') {
      // NODE_ENV, not only the mode, picks Vite's `development`/`production` condition
      tool(dir, 'vite', ['build', '--logLevel', 'warn', '--mode', mode], { ENTRY: entry, NODE_ENV: mode });
      const assets = join(dir, `dist-${entry}`, 'assets');
      const chunks = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f)));
      return { text: chunks.map(String).join('\n'), gz: gz(chunks), raw: chunks.reduce((sum, c) => sum + c.length, 0) };
    },
  };
}

const ky2 = viteApp('vite-react-ky2', '2.1.0');
const baseline = ky2.build('baseline');
const withLibrary = ky2.build('app');
if (withLibrary.text.includes(VIEW)) fail('the hooks-only app bundles the debug view: it should be tree-shaken away');
// Dev-only words (docs/messages.md): the production build carries codes, never the long texts
// nor a `process` lookup; a development-mode build of the same app (Vite's `development`
// condition) carries the long texts.
const LONG = 'navigator.locks is not available';
if (withLibrary.text.includes(LONG)) fail('the production build carries the long development messages');
if (!withLibrary.text.includes('docs/messages#')) fail('the production build carries no message codes');
if (/process\.env/.test(withLibrary.text)) fail('the production build reads process.env');
const development = ky2.build('app', 'development');
if (!development.text.includes(LONG)) fail('a development-mode build lacks the long messages');
const debug = ky2.build('debug');
if (!debug.text.includes(VIEW)) fail('the debug build does not contain the debug view');

const ky1 = viteApp('vite-react-ky1', '1.14.3');
const debugKy1 = ky1.build('debug');
if (!debugKy1.text.includes(VIEW)) fail('the debug build on ky 1 does not contain the debug view');

// 4. A Node-only TypeScript project: no DOM lib, skipLibCheck off, on the lowest xstate the
//    package accepts (an app that already has it keeps it), built for node10 and nodenext, run.
const node = join(work, 'node');
cpSync(join(fixtures, 'node'), node, { recursive: true });
writeFileSync(join(node, 'package.json'), JSON.stringify({ name: 'consumer-node', private: true, type: 'module' }, null, 2));
const floor = /^\^(\d+\.\d+\.\d+)$/.exec(pkg.dependencies.xstate)?.[1];
if (!floor) fail(`xstate's range ${pkg.dependencies.xstate} is not ^x.y.z`);
console.log(`Node-only TypeScript project, xstate ${floor} (${node})`);
npmInstall(node, [`xstate@${floor}`, pinned('typescript'), pinned('@types/node')]);
npmInstall(node, readmeLine(tarball, ['.', './fetch']));
const xstateVersion = JSON.parse(readFileSync(join(node, 'node_modules/xstate/package.json'), 'utf8')).version;
if (xstateVersion !== floor) fail(`the app's xstate ${floor} was replaced by ${xstateVersion}`);
if (existsSync(join(node, 'node_modules/silent-session/node_modules/xstate'))) fail('silent-session brought its own xstate next to the app’s');

tsc(node, 'tsconfig.node10.json');
writeFileSync(join(node, 'out-cjs/package.json'), JSON.stringify({ type: 'commonjs' }));
if (!readFileSync(join(node, 'out-cjs/index.js'), 'utf8').includes('require("silent-session")')) fail('the node10 build is not CommonJS');
const cjs = run(node, process.execPath, ['out-cjs/index.js']);
tsc(node, 'tsconfig.nodenext.json');
const esm = run(node, process.execPath, ['out-esm/index.js']);
for (const out of [cjs, esm]) if (!out.startsWith('ok:')) fail(`the Node script said: ${out}`);

// 5. What the library adds to the app.
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
console.log(`
What silent-session adds to the Vite app (JS, min + gzip -9), core + webStorage + broadcastSync +
webLocks + jsonRefresh + withSession (ky) + SessionProvider/useSession, xstate and jwt-decode included:
  without the library  ${kB(baseline.gz)} gz (${kB(baseline.raw)} min)
  with the library     ${kB(withLibrary.gz)} gz (${kB(withLibrary.raw)} min)
  added                +${kB(withLibrary.gz - baseline.gz)} gz (+${kB(withLibrary.raw - baseline.raw)} min)
  typical app          ${kB(withLibrary.gz - baseline.gz)} gz shipped by the library (goal ≤ 25 kB; .size-limit.json's typical-app rows measure the same set;
                       production messages are codes, the development-mode build has the long texts: both checked)
  + the debug view     +${kB(debug.gz - withLibrary.gz)} gz (<SessionStatechart>, imported only where used)
  the same debug build on ky 1: ${kB(debugKy1.gz)} gz
Node: ${cjs.trim()} (CommonJS) / ${esm.trim()} (ESM)
consumer test passed in ${seconds(started)}`);

if (keep) console.log(`kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
