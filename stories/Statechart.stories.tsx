import type { Meta, StoryObj } from '@storybook/react-vite';
import type { SessionStatus } from '../src/index.js';
import { SessionStatechart } from '../src/devtools.js';
import { expect, within } from 'storybook/test';
import { chartPath, expectStatus, expectText, expectToken, statusStates } from './harness/expectations.js';
import { reached, type Scenario } from './harness/scenario.js';
import { scenarioMeta, scenarioOf, withScenario } from './harness/story.js';

/**
 * `<SessionStatechart>` alone, its session held still in each of the five public states (for
 * the docs). The diagram is drawn from the machine's own definition; the current state is
 * filled and marked `aria-current="step"`, its parent (for expiringSoon and refreshing,
 * `renewing`) outlined. Tokens show as their last four characters only.
 */
const meta = {
  title: 'Statechart/States',
  ...scenarioMeta,
  render: (_args, { loaded }) => {
    const { tabs, clock } = loaded.scenario as Scenario;
    return <SessionStatechart session={(tabs[0] as Scenario['tabs'][number]).session} now={clock.now} />;
  },
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

const login = async (s: Scenario) => {
  await s.login(s.tabs[0] as Scenario['tabs'][number]);
};
const until = (status: SessionStatus) => (s: Scenario) => reached(s.tabs[0] as Scenario['tabs'][number], status);

/** Asserts the one current state, by its `aria-current`, its accessible name and the panel. */
async function expectOnlyCurrent(canvasElement: HTMLElement, status: SessionStatus, substate?: string) {
  await expectStatus(canvasElement, status);
  const [current, ...others] = statusStates(canvasElement);
  await expect(others).toHaveLength(0);
  await expect(current).toHaveAccessibleName(new RegExp(`^${substate ?? status} \\(current state\\)`));
  const path = substate === undefined ? chartPath(status) : `${chartPath(status)}.${substate}`;
  await expect(canvasElement.querySelector(`[data-state="${path}"]`)).toBe(current);
}

/** No tokens: the session waits for a login. */
export const LoggedOut: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvasElement } = context;
    await expectOnlyCurrent(canvasElement, 'loggedOut');
    await expectText(canvasElement, 'ss-token', '—');
    await expectText(canvasElement, 'ss-expiry', '—');
  },
};

/** A fresh token, 60 s to live; the deadline timer waits for the lead time. */
export const Authenticated: Story = {
  ...withScenario({}, login),
  play: async (context) => {
    const { canvasElement } = context;
    await expectOnlyCurrent(canvasElement, 'authenticated');
    await expectToken(canvasElement, scenarioOf(context), 'A001');
    await expectText(canvasElement, 'ss-expiry', 'in 60 s');
  },
};

/** 10 s left: a background refresh is in flight (held), requests still use the old token. */
export const ExpiringSoon: Story = {
  ...withScenario({}, async (s) => {
    await login(s);
    s.backend.setHold('refresh', true);
    s.advance(50_000);
    await until('expiringSoon')(s);
  }),
  play: async (context) => {
    const { canvasElement } = context;
    await expectOnlyCurrent(canvasElement, 'expiringSoon');
    await expect(canvasElement.querySelector('[data-state="session.renewing"]')).toHaveAttribute('data-active', 'true');
    await expectText(canvasElement, 'ss-expiry', 'in 10 s');
    await expectToken(canvasElement, scenarioOf(context), 'A001');
  },
};

/** The token expired; callers wait for the one refresh in flight (held). */
export const Refreshing: Story = {
  ...withScenario({}, async (s) => {
    await login(s);
    s.backend.setHold('refresh', true);
    s.advance(60_000);
    await until('refreshing')(s);
  }),
  play: async (context) => {
    const { canvasElement } = context;
    await expectOnlyCurrent(canvasElement, 'refreshing');
    await expect(canvasElement.querySelector('[data-state="session.renewing"]')).toHaveAttribute('data-active', 'true');
    await expectText(canvasElement, 'ss-error', '—');
  },
};

/** The refresh failed on the network: tokens are kept, the error is shown, the next try waits (coolingDown). */
export const RefreshFailed: Story = {
  ...withScenario({}, async (s) => {
    await login(s);
    s.backend.setNetworkDown(true);
    s.advance(60_000);
    await until('refreshFailed')(s);
  }),
  play: async (context) => {
    const { canvasElement } = context;
    await expectOnlyCurrent(canvasElement, 'refreshFailed', 'coolingDown');
    await expectText(canvasElement, 'ss-error', /^network: /);
    await expectToken(canvasElement, scenarioOf(context), 'A001');
  },
};
