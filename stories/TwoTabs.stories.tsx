import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { callLines, expectRequests, expectStatus, expectText, expectToken } from './harness/expectations.js';
import { scenarioMeta, scenarioOf, withScenario } from './harness/story.js';

/**
 * Two tabs of one app, side by side in one page: two sessions sharing localStorage (one key),
 * a BroadcastChannel (broadcastSync) and a Web Lock (webLocks), under a name unique to this
 * story. They talk to the same fake server and clock.
 */
const meta = {
  title: 'Scenarios/Two tabs',
  ...scenarioMeta,
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

/**
 * Logging in in tab A logs in tab B. When the token expires in both at once, one refresh (held
 * slow here) serves both: B waits for A's lock and adopts A's new tokens. Logging out in B
 * logs out A.
 */
export const SharedSession: Story = {
  ...withScenario({ tabs: 2 }),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    const tabA = canvas.getByRole('region', { name: 'Tab A' });
    const tabB = canvas.getByRole('region', { name: 'Tab B' });
    const inA = within(tabA);
    const inB = within(tabB);

    await step('log in in tab A: tab B is logged in too, with the same token', async () => {
      await expectStatus(tabA, 'loggedOut');
      await expectStatus(tabB, 'loggedOut');
      await userEvent.click(inA.getByRole('button', { name: 'Log in' }));
      await expectStatus(tabA, 'authenticated');
      await expectStatus(tabB, 'authenticated');
      await expectToken(tabB, scenarioOf(context), 'A001');
      await expectRequests(canvasElement, ['POST /auth/login (no token) → 200']);
    });
    await step('+1 min: both tabs need a new token, one refresh is sent', async () => {
      await userEvent.click(canvas.getByLabelText('Slow refresh'));
      await userEvent.click(canvas.getByRole('button', { name: '+1 min' }));
      await expectStatus(tabA, 'refreshing');
      await expectStatus(tabB, 'refreshing');
      await expectText(canvasElement, 'refresh-count', '1');
    });
    await step('it answers: both tabs hold the new token; still one refresh', async () => {
      await userEvent.click(canvas.getByLabelText('Slow refresh'));
      await expectStatus(tabA, 'authenticated');
      await expectStatus(tabB, 'authenticated');
      await expectToken(tabA, scenarioOf(context), 'A002');
      await expectToken(tabB, scenarioOf(context), 'A002');
      await expectText(canvasElement, 'refresh-count', '1');
      await userEvent.click(inB.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(tabB)).toEqual(['Call 1: GET /api/data → 200 OK']));
      await expectRequests(canvasElement, [
        'POST /auth/login (no token) → 200',
        'POST /auth/refresh (refresh …R001) → 200',
        'GET /api/data (access …A002) → 200',
      ]);
    });
    await step('log out in tab B: tab A is logged out too', async () => {
      await userEvent.click(inB.getByRole('button', { name: 'Log out' }));
      await expectStatus(tabB, 'loggedOut');
      await expectStatus(tabA, 'loggedOut');
      await expectText(tabA, 'logged-out-count', '1');
      await expectText(tabB, 'logged-out-count', '1');
    });
  },
};
