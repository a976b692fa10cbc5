import type { Preview } from '@storybook/react-vite';
import { mswLoader } from 'msw-storybook-addon/csf3';

// The MSW worker starts once, before the first story; its handlers are reset between stories.
// Every story builds its own clock, fake backend (silent-session/msw) and session in a loader
// (stories/harness/story.tsx) and registers that backend's handlers, so stories never share state.
const preview: Preview = {
  loaders: [mswLoader()],
  parameters: {
    layout: 'padded',
  },
};

export default preview;
