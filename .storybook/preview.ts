import type { Preview } from '@storybook/react-vite';

// Nothing global: every story builds its own clock, fake server and session in a loader
// (stories/harness/story.tsx), so stories never share state.
const preview: Preview = {
  parameters: {
    layout: 'padded',
  },
};

export default preview;
