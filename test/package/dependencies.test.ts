import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// What an app must install for each subpath, exactly as the README's install table says.
// A bare import outside this list breaks `vite build` (or the .d.ts) in an app that followed it.
const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  license: string;
  exports: Record<string, unknown>;
};
const deps = Object.keys(pkg.dependencies);
// The one peer each subpath may need (README: "what else to install"); every other import must
// be a dependency. A new subpath has to be added here, with what it needs.
const peersOf: Record<string, string[]> = {
  '.': [],
  './ky': ['ky'],
  './fetch': [],
  './axios': ['axios'],
  './react': ['react'],
  './devtools': ['react'],
  './vue': ['vue'],
  './msw': ['jose', 'msw'],
  './dpop': [],
  './server': [],
};
// Peers a subpath takes an instance of from the app (detected by shape) without importing them:
// declared as optional peers so that the versions it works with are stated.
const acceptedPeersOf: Record<string, string[]> = { './server': ['ioredis', 'redis'] };
const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');
const sourceOf = (subpath: string) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}.ts`);

const packageName = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);

/** Every package a module imports, type-only imports included (the .d.ts needs them too). */
function packagesImportedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) {
        if (!fileName.startsWith('node:')) packages.add(packageName(fileName));
        continue;
      }
      const base = resolve(dirname(file), fileName).replace(/\.js$/, '');
      const found = ['.ts', '.tsx'].map((ext) => base + ext).find((f) => existsSync(f));
      if (found === undefined) throw new Error(`${file} imports ${fileName}, which does not exist`);
      visit(found);
    }
  };
  visit(join(root, entry));
  return packages;
}

describe('what an app has to install', () => {
  it.each(subpaths)('%s needs nothing beyond the dependencies and its own peer', (subpath) => {
    expect(peersOf, `a new subpath ${subpath}: say here what it needs`).toHaveProperty([subpath]);
    const needed = [...packagesImportedBy(sourceOf(subpath))].filter((p) => !deps.includes(p)).sort();
    expect(needed, `${subpath} imports packages an app following the README would not have`).toEqual(peersOf[subpath]);
  });

  it('declares exactly the peers its subpaths import, each optional and a range (never overriding the app’s own)', () => {
    const used = new Set(subpaths.flatMap((s) => [...(peersOf[s] ?? []), ...(acceptedPeersOf[s] ?? [])]));
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...used].sort());
    for (const [name, range] of Object.entries(pkg.peerDependencies)) {
      expect(pkg.peerDependenciesMeta[name]?.optional, `${name} optional`).toBe(true);
      expect(range, `peer ${name}`).toMatch(/^[\^>~]/);
    }
  });

  it('takes its own dependencies as ranges, and pins its dev tools exactly', () => {
    for (const [name, range] of Object.entries(pkg.dependencies)) expect(range, `dependency ${name}`).toMatch(/^\^\d/);
    for (const [name, version] of Object.entries(pkg.devDependencies)) expect(version, `devDependency ${name}`).toMatch(/^(npm:[@a-z0-9/._-]+@)?\d+\.\d+\.\d+$/); // exact, an alias included
  });

  it('ships the license its package.json names', () => {
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('Copyright (c) 2026 silent-session contributors');
  });
});
