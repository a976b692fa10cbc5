import type { Meta } from '@storybook/react-vite';
import { createScenario, type Scenario, type ScenarioOptions } from './scenario.js';
import { ScenarioView } from './ScenarioView.js';

/**
 * Meta for scenario stories: each story's loader builds a fresh scenario (clock, fake server,
 * session), the render shows it, and switching stories stops it.
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
      async ({ id }: { id: string }) => {
        const scenario = createScenario({ ...options, name: `${id}-${Math.random().toString(36).slice(2, 8)}` });
        await setup?.(scenario);
        return { scenario };
      },
    ],
  };
}
