import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const react18 = join(import.meta.dirname, 'test/react18/node_modules');
const to18 = (name: string) => ({ find: new RegExp(`^${name}(/.*)?$`), replacement: `${react18}/${name}$1` });
// examples/ import the package by its name, as an app does: resolved to src/, nothing to build
const src = join(import.meta.dirname, 'src');
const packageItself = [
  { find: /^silent-session$/, replacement: `${src}/index.ts` },
  { find: /^silent-session\/(.*)$/, replacement: `${src}/$1.ts` },
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        resolve: { alias: packageItself },
        test: {
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}', 'examples/**/*.test.ts'],
          exclude: ['test/browser/**', 'test/react18/**', '**/node_modules/**'],
          environment: 'node',
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        // The React tests again, against React 18 (installed in test/react18 by `npm test`).
        extends: true,
        resolve: { alias: ['react', 'react-dom', '@testing-library/react', '@testing-library/dom'].map(to18) },
        test: { name: 'react18', include: ['test/react/**/*.test.tsx'], environment: 'node' },
      },
      {
        // The ky adapter suites again, against ky 1 (`ky1` is ky@1.14.3 under an npm alias).
        extends: true,
        resolve: { alias: [{ find: /^ky$/, replacement: 'ky1' }] },
        test: {
          name: 'ky1',
          include: [
            'test/adapters/{ky,adapters,loggedOut,tokenRejected,appHeader,sessionEnds}.test.ts',
            'test/security/{kyUrlProperty,kyResend,renew,redirects,refreshOwnRequests,mswInterception,nockInterception}.test.ts',
            'test/recipes/streams.test.ts',
            'test/integration/statuslessRefresh.test.ts',
            'test/dpop/adapters.test.ts',
          ],
          environment: 'node',
          env: { KY_MAJOR: '1' },
        },
      },
    ],
  },
});
