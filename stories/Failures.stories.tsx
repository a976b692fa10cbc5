import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor } from 'storybook/test';
import { callLines, expectRequests, expectStatus, expectText, expectToken, requestLines } from './harness/expectations.js';
import { scenarioMeta, scenarioOf, withScenario } from './harness/story.js';

/**
 * When the refresh fails: a network blip keeps the user signed in, a revoked session logs
 * out exactly once, and a 200 whose body says 401 is not mistaken for new tokens.
 */
const meta = {
  title: 'Scenarios/Failures',
  ...scenarioMeta,
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

const LOGIN = 'POST /auth/login (no token) → 200';
const REFRESH_NETWORK_ERROR = 'POST /auth/refresh (refresh …R001) → network error';

/**
 * The network is down when the token expires: the refresh (tried twice) fails, the session is
 * refreshFailed with its tokens kept, a call fails with kind `network`, nobody is logged out.
 * The network comes back (`online`): the session refreshes and recovers by itself.
 */
export const NetworkDownThenRecovers: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('network down, +1 min: refreshFailed, tokens kept', async () => {
      await userEvent.click(canvas.getByLabelText('Network down'));
      await userEvent.click(canvas.getByRole('button', { name: '+1 min' }));
      await expectStatus(canvasElement, 'refreshFailed');
      await expectText(canvasElement, 'ss-error', /^network: /);
      await expectText(canvasElement, 'session-error', 'network');
      await expectToken(canvasElement, scenarioOf(context), 'A001');
      await expectText(canvasElement, 'refresh-count', '2');
      await expectRequests(canvasElement, [LOGIN, REFRESH_NETWORK_ERROR, REFRESH_NETWORK_ERROR]);
    });
    await step('a call while offline, the refresh cooling down: it fails at once with kind network, no refresh sent; still signed in', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → network']));
      await expectText(canvasElement, 'refresh-count', '2');
      await expectText(canvasElement, 'ss-refresh', /^cooling down after 1 failed cycle in a row — next try in /);
      await expectStatus(canvasElement, 'refreshFailed');
      await expectToken(canvasElement, scenarioOf(context), 'A001');
      await expectText(canvasElement, 'logged-out-count', '0');
    });
    await step('network back: online wakes the session, it recovers', async () => {
      await userEvent.click(canvas.getByLabelText('Network down'));
      await expectStatus(canvasElement, 'authenticated');
      await expectToken(canvasElement, scenarioOf(context), 'A002');
      await expectText(canvasElement, 'refresh-count', '3');
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)[1]).toBe('Call 2: GET /api/data → 200 OK'));
      await expectRequests(canvasElement, [
        LOGIN,
        ...Array.from({ length: 2 }, () => REFRESH_NETWORK_ERROR),
        'POST /auth/refresh (refresh …R001) → 200',
        'GET /api/data (access …A002) → 200',
      ]);
      await expectText(canvasElement, 'logged-out-count', '0');
    });
  },
};

/**
 * The server revokes the session: the call's 401 triggers a refresh, which is refused
 * (invalid_grant). The session logs out, onLoggedOut runs exactly once, the call fails with
 * kind `rejected`; a later call goes out as plain fetch would, without a token, and its 401
 * comes back as is (no refresh).
 */
export const RefreshRevoked: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('revoke on the server, then call', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Revoke all sessions' }));
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await expectStatus(canvasElement, 'loggedOut');
      await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → rejected']));
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'ss-error', /^rejected: .*invalid_grant/);
      await expectText(canvasElement, 'ss-token', '—');
      await expectRequests(canvasElement, [
        LOGIN,
        'GET /api/data (access …A001) → 401',
        'POST /auth/refresh (refresh …R001) → 401',
      ]);
    });
    await step('a later call goes out without a token and its 401 comes back as is; onLoggedOut still once', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(callLines(canvasElement)[1]).toBe('Call 2: GET /api/data → 401 Unauthorized'));
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'refresh-count', '1');
      // The session remembers why it ended: the refusal, not a bare "logged out".
      await expectText(canvasElement, 'ss-error', /^rejected: .*invalid_grant/);
      await expect(requestLines(canvasElement)).toHaveLength(4);
      await expect(requestLines(canvasElement)[3]).toBe('GET /api/data (no token) → 401');
    });
  },
};

/**
 * The refresh endpoint answers HTTP 200 with `{ code: 401 }` in the body (seed 003's server).
 * That is not new tokens but a dead refresh token (DESIGN rule 4 v2): kind `rejected`, the
 * session logs out once, onLoggedOut runs, and nothing is retried or stored.
 */
export const Refresh200WithCode401: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('the refresh answers 200 { code: 401 }: loggedOut, rejected, once', async () => {
      await userEvent.click(canvas.getByLabelText('Refresh answers 200 { code: 401 }'));
      await userEvent.click(canvas.getByRole('button', { name: '+1 min' }));
      await expectStatus(canvasElement, 'loggedOut');
      await expectText(canvasElement, 'session-error', 'rejected');
      await expectText(canvasElement, 'ss-error', /^rejected: the refresh endpoint answered 200 but its body says 401/);
      await expectText(canvasElement, 'ss-token', '—');
      await expectText(canvasElement, 'refresh-count', '1');
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectRequests(canvasElement, [LOGIN, 'POST /auth/refresh (refresh …R001) → 200']);
    });
  },
};
