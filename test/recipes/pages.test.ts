import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The store, routing and auth-provider recipes are shown on their docs pages exactly as the tests
// run them: each file appears whole in a ```ts block, its imports of src/ written as the package
// names an app imports. Edit the file, then paste it into the page (or the test says where).
const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** A recipe file as an app would write it: `../../src/index.js` is `silent-session`, `../../src/axios.js` `silent-session/axios`. */
const asPublished = (source: string) =>
  source.replace(/'\.\.\/\.\.\/src\/index\.js'/g, "'silent-session'").replace(/'\.\.\/\.\.\/src\/(\w+)\.js'/g, "'silent-session/$1'");

const shown: Array<[page: string, file: string]> = [
  ['docs/recipes/stores.md', 'test/recipes/piniaStore.ts'],
  ['docs/recipes/stores.md', 'test/recipes/zustandStore.ts'],
  ['docs/recipes/stores.md', 'test/recipes/reduxSession.ts'],
  ['docs/recipes/routing.md', 'test/recipes/vueRouterGuard.ts'],
  ['docs/recipes/routing.md', 'test/recipes/reactRouterGuard.ts'],
  ['docs/recipes/routing.md', 'test/recipes/authProvider.ts'],
];

describe('recipe pages show the tested code', () => {
  it.each(shown)('%s shows %s as the tests run it', (page, file) => {
    const blocks = [...read(page).matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
    const published = asPublished(read(file));
    expect(published).not.toContain('../');
    expect(blocks, `paste ${file} (imports as 'silent-session') into a \`\`\`ts block of ${page}`).toContain(published);
  });
});
