import react from '@vitejs/plugin-react';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

const pagesDir = join(import.meta.dirname, 'pages');
let built: Promise<string> | undefined;

/** Builds every test page (test/browser/pages/*.html) once per run with Vite; returns the folder. */
export function buildPages(): Promise<string> {
  built ??= (async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'silent-session-pages-'));
    const input = Object.fromEntries(
      readdirSync(pagesDir)
        .filter((f) => f.endsWith('.html'))
        .map((f) => [f.replace(/\.html$/, ''), join(pagesDir, f)]),
    );
    await build({
      root: pagesDir,
      configFile: false,
      logLevel: 'warn',
      plugins: [react()],
      build: { outDir, emptyOutDir: true, rollupOptions: { input }, minify: false, sourcemap: false },
    });
    return outDir;
  })();
  return built;
}

/** Launches headless Chromium with the flags this sandbox needs. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Where screenshots go: docs/ (tracked, shown in the README) only when `UPDATE_SCREENSHOTS=1`
 * (`npm run screenshots`), else a fresh temp folder, so a test run never rewrites tracked files.
 */
export function screenshotDir(): string {
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    const docs = join(import.meta.dirname, '../../docs');
    mkdirSync(docs, { recursive: true });
    return docs;
  }
  return mkdtempSync(join(tmpdir(), 'silent-session-screenshots-'));
}
