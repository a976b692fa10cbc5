import { join } from 'node:path';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM, CHROMIUM_ARGS } from './test/browser/chromium.js';

// The stories in stories/ run as tests: each story renders in Debian's Chromium (headless,
// offline) and its play() is the test. Run with `vitest run -c vitest.storybook.config.ts`.
process.env.STORYBOOK_DISABLE_TELEMETRY = '1';

export default defineConfig({
  plugins: [storybookTest({ configDir: join(import.meta.dirname, '.storybook') })],
  // React ships CommonJS: pre-bundle it up front, so the first run does not import it raw.
  optimizeDeps: {
    include: ['react', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'react-dom', 'react-dom/client', 'xstate', 'jwt-decode', 'msw', 'msw/browser', 'msw-storybook-addon/csf3', 'jose'],
  },
  test: {
    name: 'storybook',
    testTimeout: 20_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: CHROMIUM,
          args: CHROMIUM_ARGS,
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
