import type { Preview } from '@storybook/react-vite';
import { mswLoader } from 'msw-storybook-addon/csf3';
import { configure } from 'storybook/test';

// A play() waits for what the user would see; on a loaded machine a page can take longer than
// testing-library's 1-s default to show it, which is a slow machine, not a wrong story.
configure({ asyncUtilTimeout: 5_000 });

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
