import type { StorybookConfig } from '@storybook/react-vite';

// Written by hand (no `storybook init`): everything here works offline, telemetry off.
// public/ holds MSW's mockServiceWorker.js (committed: npm 11 runs no install scripts).
const config: StorybookConfig = {
  framework: '@storybook/react-vite',
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  staticDirs: ['../public'],
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};

export default config;
