import type { StorybookConfig } from '@storybook/react-vite';

// Written by hand (no `storybook init`): everything here works offline, telemetry off.
const config: StorybookConfig = {
  framework: '@storybook/react-vite',
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};

export default config;
