import { defineConfig } from 'vitest/config';

// Real-browser tests: Vite builds the pages, the real auth server serves them on 127.0.0.1,
// playwright-core drives Debian's Chromium. Run with `npm run test:browser`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
