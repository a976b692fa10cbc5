import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownPages } from './helpers/markdown.js';

// What a newcomer reads: the README (the landing page) and the docs site (docs/, VitePress).
// Links are checked as both places show them: on GitHub (the README and docs/*.md as files) and
// on the site (VitePress, whose build also fails on a link to a missing page). An anchor must
// name a heading under GitHub's slug rule and VitePress's alike, or it works in one place only.
const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { exports: Record<string, unknown>; dependencies: Record<string, string> };
const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');
const entryName = (subpath: string) => (subpath === '.' ? 'silent-session' : `silent-session/${subpath.slice(2)}`);
const pages = markdownPages();

/** The text outside fenced code blocks (fences blanked line for line, so line numbers hold). */
const prose = (text: string) => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ''));

/** Heading text as both renderers see it: inline code, links and emphasis reduced to their text. */
const headingText = (raw: string) =>
  raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/[*]/g, '')
    .trim();
const githubSlug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
// VitePress 1.6's rule (@mdit-vue's slugify)
const vitepressSlug = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .replace(/[\u0000-\u001f]/g, '')
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();

function headingsOf(path: string): Array<{ github: string; vitepress: string }> {
  return [...prose(read(path)).matchAll(/^#{1,6} (.+)$/gm)].map((m) => {
    const text = headingText(m[1] as string);
    return { github: githubSlug(text), vitepress: vitepressSlug(text) };
  });
}

interface Link {
  page: string;
  line: number;
  target: string;
}

/** Relative links and images outside code: `[text](target)`, `![alt](target)`. */
function linksIn(page: string, text = read(page)): Link[] {
  const links: Link[] = [];
  const body = prose(text).replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
  for (const m of body.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] as string;
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
    links.push({ page, line: body.slice(0, m.index).split('\n').length, target });
  }
  return links;
}

/** The generated API pages a docs page may link to (docs/api/ exists only after `npm run docs:api`). */
const apiPages = new Set(['docs/api/index.md', ...subpaths.map((s) => `docs/api/${entryName(s)}.md`)]);

function problemOf(link: Link): string | null {
  const [pathPart, anchor] = link.target.split('#') as [string, string | undefined];
  const target = pathPart === '' ? link.page : normalize(relative(root, resolve(root, dirname(link.page), decodeURIComponent(pathPart))));
  if (link.page.startsWith('docs/') && !target.startsWith('docs/')) {
    return `leaves the docs site (${target}): the site serves only docs/; include the file or name it without a link`;
  }
  if (apiPages.has(target)) return anchor === undefined ? null : 'anchors into the generated API are not checked: link the page';
  if (target.startsWith('docs/api/')) return `${target} is not a page the API reference generates`;
  if (!existsSync(join(root, target))) return `${target} does not exist`;
  if (statSync(join(root, target)).isDirectory()) return `${target} is a folder: link a page`;
  if (anchor === undefined) return null;
  if (!target.endsWith('.md')) return `an anchor into ${target}, which is not a page`;
  const both = headingsOf(target).some((h) => h.github === anchor && h.vitepress === anchor);
  if (both) return null;
  const oneSide = headingsOf(target).find((h) => h.github === anchor || h.vitepress === anchor);
  return oneSide
    ? `#${anchor} works on one side only (GitHub #${oneSide.github}, the site #${oneSide.vitepress}): simplify the heading`
    : `${target} has no heading #${anchor}`;
}

interface Include {
  page: string;
  file: string;
  region: string | undefined;
  range: string | undefined;
}

function includesIn(page: string): Include[] {
  return [...read(page).matchAll(/<!--\s*@include:\s*(.*?)\s*-->/g)].map((m) => {
    const spec = m[1] as string;
    const range = /\{(\d*),(\d*)\}$/.exec(spec)?.[0];
    const rest = range === undefined ? spec : spec.slice(0, -range.length);
    const [file, region] = rest.split('#') as [string, string | undefined];
    return { page, file: normalize(relative(root, resolve(root, dirname(page), file))), region, range };
  });
}

/** What VitePress puts in place of an include, or why it would silently include something else. */
function included({ file, region, range }: Include): { text: string } | { problem: string } {
  if (!existsSync(join(root, file))) return { problem: `${file} does not exist (VitePress would leave the comment, silently)` };
  let lines = read(file).split('\n');
  if (region !== undefined) {
    const start = lines.filter((l) => l === `<!-- #region ${region} -->`).length;
    const end = lines.filter((l) => l === `<!-- #endregion ${region} -->`).length;
    if (start !== 1 || end !== 1) return { problem: `${file} needs exactly one region ${region} (found ${start} starts, ${end} ends); without it VitePress includes the whole file` };
    lines = lines.slice(lines.indexOf(`<!-- #region ${region} -->`) + 1, lines.indexOf(`<!-- #endregion ${region} -->`));
  }
  if (range !== undefined) {
    const [from, to] = range.slice(1, -1).split(',').map((n) => (n === '' ? undefined : Number(n)));
    lines = lines.slice(from === undefined ? 0 : from - 1, to);
  }
  return { text: lines.join('\n') };
}

describe('the README is a landing page', () => {
  const readme = read('README.md');

  it('fits in 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
  });

  it('opens with what to run: the install line for users, the demo and the tests for a clone', () => {
    const firstScreen = readme.split('\n').slice(0, 40).join('\n');
    expect(firstScreen).toContain('```sh\nnpm install silent-session\n```');
    expect(firstScreen).toMatch(/^npm install && npm run demo /m);
    expect(firstScreen).toMatch(/^npm install && npm test /m);
  });

  it('names no file outside the repository (the package ships none of it)', () => {
    expect(prose(readme).match(/\.\.\/[\w./-]+/g) ?? []).toEqual([]);
  });

  it('links into the docs for every topic it only summarizes', () => {
    const linked = new Set(linksIn('README.md').map((l) => normalize(l.target.split('#')[0] as string)));
    for (const page of ['clients', 'react', 'vue', 'tabs', 'lifetime', 'testing', 'statechart', 'guarantees', 'benchmarks', 'comparison', 'debugging', 'development', 'reference']) {
      expect(linked, `README links docs/${page}.md`).toContain(`docs/${page}.md`);
    }
  });
});

describe('the install table says what each entry needs', () => {
  const rows = new Map(
    [...read('README.md').matchAll(/^\| `(silent-session(?:\/[a-z]+)?)` \| ([^|]*) \| ([^|]*) \|$/gm)].map((m) => [m[1] as string, { also: m[2] as string, what: m[3] as string }]),
  );

  /** Every package the entry's source imports that is not a dependency: what the app must install. */
  function peersOf(subpath: string): string[] {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
        if (fileName.startsWith('.')) {
          const base = resolve(dirname(file), fileName).replace(/\.js$/, '');
          const found = ['.ts', '.tsx'].map((ext) => base + ext).find((f) => existsSync(f));
          if (found !== undefined) visit(found);
        } else if (!fileName.startsWith('node:')) {
          packages.add(fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : (fileName.split('/')[0] as string));
        }
      }
    };
    visit(join(root, 'src', subpath === '.' ? 'index.ts' : `${subpath.slice(2)}.ts`));
    return [...packages].filter((p) => !(p in pkg.dependencies)).sort();
  }

  it.each(subpaths)('%s has a row naming exactly the packages it imports beyond the dependencies', (subpath) => {
    const row = rows.get(entryName(subpath));
    expect(row, `no row for ${entryName(subpath)}`).toBeDefined();
    const named = [...(row?.also ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string).sort();
    const needed = peersOf(subpath);
    expect(named).toEqual(needed);
    if (needed.length === 0) expect(row?.also.trim()).toBe('nothing');
    expect(row?.what).not.toMatch(/coming/i);
  });

  it('has no row for an entry the package does not export', () => {
    expect([...rows.keys()].sort()).toEqual(subpaths.map(entryName).sort());
  });
});

describe('links and includes', () => {
  const links = pages.flatMap((page) => linksIn(page));

  it('finds the pages and their links', () => {
    expect(pages).toContain('docs/index.md');
    expect(pages).toContain('docs/recipes/cookie-mode.md');
    expect(links.length).toBeGreaterThan(50);
  });

  it.each(pages)('every relative link and anchor in %s resolves, on GitHub and on the site', (page) => {
    const broken = links.filter((l) => l.page === page).flatMap((l) => {
      const problem = problemOf(l);
      return problem === null ? [] : [`${l.page}:${l.line} (${l.target}): ${problem}`];
    });
    expect(broken).toEqual([]);
  });

  it('includes what exists, and nothing whose relative links would change meaning in the including page', () => {
    const all = pages.flatMap(includesIn);
    expect(all.map((i) => `${i.page} ← ${i.file}${i.region === undefined ? '' : `#${i.region}`}`)).toEqual(
      expect.arrayContaining(['docs/getting-started.md ← README.md#install', 'docs/getting-started.md ← README.md#quick-start', 'docs/security.md ← SECURITY.md']),
    );
    for (const include of all) {
      const result = included(include);
      expect('problem' in result ? result.problem : null, `${include.page} ← ${include.file}`).toBeNull();
      if ('text' in result) expect(linksIn(include.file, result.text).map((l) => l.target), `links included into ${include.page}`).toEqual([]);
    }
  });
});

describe('the API reference covers every entry', () => {
  const typedoc = JSON.parse(read('docs/.typedoc/typedoc.json')) as { entryPoints: string[]; out: string };
  const config = read('docs/.vitepress/config.ts');

  it.each(subpaths)('%s has an entry file with its module name, and a place in the sidebar', (subpath) => {
    const file = `entries/${subpath === '.' ? 'index' : subpath.slice(2)}.ts`;
    expect(typedoc.entryPoints).toContain(file);
    const entry = read(`docs/.typedoc/${file}`);
    expect(entry).toContain(`@module ${entryName(subpath)}\n`);
    expect(entry).toContain(`export * from '../../../src/${subpath === '.' ? 'index' : subpath.slice(2)}.js';`);
    expect(config).toContain(`'${entryName(subpath)}'`);
  });

  it('writes into the git-ignored docs/api/', () => {
    expect(normalize(join('docs/.typedoc', typedoc.out))).toBe(normalize('docs/api'));
    expect(read('.gitignore').split('\n')).toContain('docs/api/');
    expect(typedoc.entryPoints).toHaveLength(subpaths.length);
  });
});
