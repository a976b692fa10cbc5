import type { Meta } from '@storybook/react-vite';
import type { MswApi } from 'msw-storybook-addon/types';
import { createScenario, type Scenario, type ScenarioOptions } from './scenario.js';
import { ScenarioView } from './ScenarioView.js';

/**
 * Meta for scenario stories: each story's loader builds a fresh scenario (clock, fake server,
 * session) and hands the fake server's handlers to MSW, the render shows it, and switching
 * stories stops it.
 */
export const scenarioMeta = {
  render: (_args, { loaded }) => <ScenarioView scenario={loaded.scenario as Scenario} />,
  beforeEach: ({ loaded }) => () => (loaded.scenario as Scenario | undefined)?.stop(),
} satisfies Partial<Meta>;

/**
 * A story's loader: a new scenario with a story-unique name, optionally driven into a state
 * before the first render.
 */
export function withScenario(options: ScenarioOptions = {}, setup?: (scenario: Scenario) => Promise<void>) {
  return {
    loaders: [
      async ({ id, msw }: { id: string; msw: MswApi }) => {
        const scenario = createScenario({ ...options, name: `${id}-${Math.random().toString(36).slice(2, 8)}` });
        // mswLoader (.storybook/preview.ts) ran first: it started the worker and reset its handlers
        msw.use(...scenario.backend.handlers);
        await setup?.(scenario);
        return { scenario };
      },
    ],
  };
}

/** The scenario a story's loader built, from the story context (for play functions). */
export const scenarioOf = (context: { loaded: Record<string, unknown> }) => context.loaded.scenario as Scenario;
