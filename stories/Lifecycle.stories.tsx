import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor } from 'storybook/test';
import { callLines, expectRequests, expectStatus, expectText, expectToken } from './harness/expectations.js';
import { scenarioMeta, scenarioOf, withScenario } from './harness/story.js';

/**
 * A session's everyday life against the fake auth server: log in, the background refresh before
 * expiry, and a laptop that slept past its token's expiry. The clock moves only when a button
 * (or play) says so; access tokens live 60 s and the background refresh starts at 45 s.
 */
const meta = {
  title: 'Scenarios/Lifecycle',
  ...scenarioMeta,
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

/** Logged out, a call goes out without a token (401 as is); log in; the next call carries the new token. */
export const LogIn: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await step('starts logged out; a call goes out as plain fetch would, and its 401 comes back as is', async () => {
      await expectStatus(canvasElement, 'loggedOut');
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → 401 Unauthorized']));
      await expect(canvas.getByRole('alert')).toHaveTextContent('Call 1 failed: 401 Unauthorized');
      await expectRequests(canvasElement, ['GET /api/data (no token) → 401']);
      await expectText(canvasElement, 'refresh-count', '0');
    });
    await step('log in', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
      await expectStatus(canvasElement, 'authenticated');
      await expect(canvas.getByText(/signed in as Alice/)).toBeInTheDocument();
      await expectToken(canvasElement, scenarioOf(context), 'A001');
      await expectRequests(canvasElement, ['GET /api/data (no token) → 401', 'POST /auth/login (no token) → 200']);
    });
    await step('a call goes out with the access token and succeeds', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)[1]).toBe('Call 2: GET /api/data → 200 OK'));
      await expectRequests(canvasElement, ['GET /api/data (no token) → 401', 'POST /auth/login (no token) → 200', 'GET /api/data (access …A001) → 200']);
      await expectText(canvasElement, 'refresh-count', '0');
    });
  },
};

/**
 * At 45 s the session enters expiringSoon and refreshes in the background. A call made while
 * that (slow) refresh is in flight does not wait: it goes out at once with the old, still
 * valid token. When the refresh answers, the session is authenticated with the new token.
 */
export const BackgroundRefresh: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');
    await userEvent.click(canvas.getByLabelText('Slow refresh'));

    await step('at +40 s nothing happens yet', async () => {
      for (let i = 0; i < 4; i++) await userEvent.click(canvas.getByRole('button', { name: '+10 s' }));
      await expectText(canvasElement, 'clock', '+40 s');
      await expectStatus(canvasElement, 'authenticated');
      await expectText(canvasElement, 'refresh-count', '0');
    });
    await step('at +50 s: expiringSoon, one refresh in flight', async () => {
      await userEvent.click(canvas.getByRole('button', { name: '+10 s' }));
      await expectStatus(canvasElement, 'expiringSoon');
      await expectText(canvasElement, 'refresh-count', '1');
      await expectRequests(canvasElement, ['POST /auth/login (no token) → 200', 'POST /auth/refresh (refresh …R001) → waiting']);
    });
    await step('a call during expiringSoon succeeds at once with the old token', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → 200 OK']));
      await expectRequests(canvasElement, [
        'POST /auth/login (no token) → 200',
        'POST /auth/refresh (refresh …R001) → waiting',
        'GET /api/data (access …A001) → 200',
      ]);
      await expectText(canvasElement, 'pending', '0');
      await expectStatus(canvasElement, 'expiringSoon');
    });
    await step('the refresh answers: authenticated with the new token', async () => {
      await userEvent.click(canvas.getByLabelText('Slow refresh'));
      await expectStatus(canvasElement, 'authenticated');
      await expectToken(canvasElement, scenarioOf(context), 'A002');
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await expectRequests(canvasElement, [
        'POST /auth/login (no token) → 200',
        'POST /auth/refresh (refresh …R001) → 200',
        'GET /api/data (access …A001) → 200',
        'GET /api/data (access …A002) → 200',
      ]);
      await expectText(canvasElement, 'refresh-count', '1');
    });
  },
};

/**
 * The laptop sleeps for 10 minutes: no timer fires, the token expires unnoticed. When the page
 * becomes visible again (a real `visibilitychange` event), the session refreshes before the
 * next request goes out: no request is ever sent with the expired token, no 401.
 */
export const SleepAndWake: Story = {
  ...withScenario({ browserWake: true }),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('sleep 10 min: timers are asleep, nothing has noticed yet', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Sleep 10 min' }));
      await expectText(canvasElement, 'clock', '+600 s');
      await expectStatus(canvasElement, 'authenticated');
      await expectText(canvasElement, 'refresh-count', '0');
    });
    await step('wake up: visibilitychange refreshes at once', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Wake up (visibilitychange)' }));
      await expectText(canvasElement, 'refresh-count', '1');
      await expectStatus(canvasElement, 'authenticated');
      await expectToken(canvasElement, scenarioOf(context), 'A002');
    });
    await step('the next request carries the new token', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → 200 OK']));
      await expectRequests(canvasElement, [
        'POST /auth/login (no token) → 200',
        'POST /auth/refresh (refresh …R001) → 200',
        'GET /api/data (access …A002) → 200',
      ]);
    });
  },
};

/**
 * The laptop sleeps past expiry and the first thing the user does is click: the call waits for
 * the refresh it triggers, then goes out with the new token. The expired token is never sent.
 */
export const SleepThenRequest: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');
    await userEvent.click(canvas.getByRole('button', { name: 'Sleep 10 min' }));
    await expectStatus(canvasElement, 'authenticated');

    await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
    await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → 200 OK']));
    await expectRequests(canvasElement, [
      'POST /auth/login (no token) → 200',
      'POST /auth/refresh (refresh …R001) → 200',
      'GET /api/data (access …A002) → 200',
    ]);
    await expectText(canvasElement, 'refresh-count', '1');
    await expectStatus(canvasElement, 'authenticated');
  },
};
