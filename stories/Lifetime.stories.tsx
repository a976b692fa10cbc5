import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { expectLifetime, expectRequests, expectStatus, expectText, expectToken } from './harness/expectations.js';
import { scenarioMeta, scenarioOf, withScenario } from './harness/story.js';

/**
 * Session lifetime: an idle timeout, a maximum age and the refresh token's own expiry, each
 * announced by a sign-out warning (built on useSessionEnding) before the end, and revocation at
 * the fake server (POST /auth/revoke, through jsonRevoke) at every end. User activity is a click
 * or a key in the app; the story's own buttons (the clock, the server) are not. The clock moves
 * only when a button (or play) says so.
 */
const meta = {
  title: 'Scenarios/Lifetime',
  ...scenarioMeta,
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

/** The demo's settings: signed out after 60 s without activity, warned 20 s before. */
const IDLE = { lifetime: { idleTimeout: 60_000, endingWarning: 20_000 }, revoke: true };

const LOGIN = 'POST /auth/login (no token) → 200';

type Context = Parameters<NonNullable<Story['play']>>[0];

/** Clicks the story's clock button `times` times (`+10 s` or `+1 min`): not user activity. */
async function advance({ canvas, userEvent }: Context, button: '+10 s' | '+1 min', times = 1) {
  for (let i = 0; i < times; i++) await userEvent.click(canvas.getByRole('button', { name: button }));
}

const warning = (scope: HTMLElement) => within(scope).queryByRole('alertdialog', { name: 'Sign-out warning' });

/**
 * Idle for 40 s: the warning counts down from 20 s. A background refresh at 45 s is not
 * activity, so the warning stays. "Stay signed in" ends the warning, and the idle timer starts
 * again from the click: no warning 30 s later, nothing revoked.
 */
export const IdleWarningStaySignedIn: Story = {
  ...withScenario(IDLE),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('+30 s without activity: no warning yet', async () => {
      await advance(context, '+10 s', 3);
      await expectText(canvasElement, 'clock', '+30 s');
      await expect(warning(canvasElement)).toBeNull();
    });
    await step('+40 s: the warning, 20 s before the end; the chart\'s lifetime region is in `ending`', async () => {
      await expectLifetime(canvasElement, 'active');
      await advance(context, '+10 s');
      await expectText(canvasElement, 'ending', "You'll be signed out in 20 s");
      await expectText(canvasElement, 'ending-reason', 'idle');
      await expectLifetime(canvasElement, 'ending');
    });
    await step('+50 s: the background refresh ran, and is not activity: 10 s left', async () => {
      await advance(context, '+10 s');
      await expectText(canvasElement, 'refresh-count', '1');
      await expectText(canvasElement, 'ending', "You'll be signed out in 10 s");
    });
    await step('Stay signed in: the warning goes, the session stays', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Stay signed in' }));
      await waitFor(() => expect(warning(canvasElement)).toBeNull());
      await expectStatus(canvasElement, 'authenticated');
      await expectLifetime(canvasElement, 'active');
    });
    await step('+30 s (past the old end): still signed in, no warning; nothing revoked', async () => {
      await advance(context, '+10 s', 3);
      await expectText(canvasElement, 'clock', '+80 s');
      await expect(warning(canvasElement)).toBeNull();
      await expectStatus(canvasElement, 'authenticated');
      await expectText(canvasElement, 'logged-out-count', '0');
      await expectText(canvasElement, 'revoke-count', '0');
    });
    await step('+10 s more (40 s after the click): the next warning', async () => {
      await advance(context, '+10 s');
      await expectText(canvasElement, 'ending', "You'll be signed out in 20 s");
    });
  },
};

/**
 * Nobody answers the warning: at 60 s the session ends with kind `idle-timeout`, onLoggedOut
 * runs once, the refresh token is revoked once at the server, and the warning goes.
 */
export const IdleWarningSignedOut: Story = {
  ...withScenario(IDLE),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('+40 s: the warning', async () => {
      await advance(context, '+10 s', 4);
      await expectText(canvasElement, 'ending', "You'll be signed out in 20 s");
    });
    await step('+50 s: the background refresh (not activity) brings a new pair, A002 / R002', async () => {
      await advance(context, '+10 s');
      await expectText(canvasElement, 'refresh-count', '1');
      await expectRequests(canvasElement, [LOGIN, 'POST /auth/refresh (refresh …R001) → 200']);
      await expectToken(canvasElement, scenarioOf(context), 'A002');
      await expectText(canvasElement, 'ending', "You'll be signed out in 10 s");
    });
    await step('+60 s: signed out for inactivity, once, and the current refresh token revoked once', async () => {
      await advance(context, '+10 s');
      await expectStatus(canvasElement, 'loggedOut');
      await expectLifetime(canvasElement, 'unbounded');
      await expect(warning(canvasElement)).toBeNull();
      await expectText(canvasElement, 'session-error', 'idle-timeout');
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'revoke-count', '1');
      await expectRequests(canvasElement, [LOGIN, 'POST /auth/refresh (refresh …R001) → 200', 'POST /auth/revoke (refresh …R002) → 200']);
    });
    await step('+1 min more: nothing else happens', async () => {
      await advance(context, '+1 min');
      await expectText(canvasElement, 'clock', '+120 s');
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'revoke-count', '1');
      await expectText(canvasElement, 'refresh-count', '1');
    });
  },
};

/**
 * A maximum age of 2 minutes, warned 30 s before. The warning has no "Stay signed in": the
 * user's activity (calling the API) does not extend the session. At 2 min it ends with kind
 * `session-expired`, revoked once.
 */
export const MaximumAge: Story = {
  ...withScenario({ lifetime: { maxSessionAge: 120_000, endingWarning: 30_000 }, revoke: true }),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('+90 s: the warning, without Stay signed in', async () => {
      await advance(context, '+1 min');
      await advance(context, '+10 s', 3);
      await expectText(canvasElement, 'ending', "You'll be signed out in 30 s");
      await expectText(canvasElement, 'ending-reason', 'max-age');
      await expect(canvas.queryByRole('button', { name: 'Stay signed in' })).toBeNull();
    });
    await step('the user is busy (a click in the app, an API call): the end does not move', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await waitFor(() => expect(canvas.getByTestId('calls-summary')).toHaveTextContent('1 ok'));
      await advance(context, '+10 s');
      await expectText(canvasElement, 'ending', "You'll be signed out in 20 s");
    });
    await step('+2 min: signed out with kind session-expired, revoked once', async () => {
      await advance(context, '+10 s', 2);
      await expectStatus(canvasElement, 'loggedOut');
      await expect(warning(canvasElement)).toBeNull();
      await expectText(canvasElement, 'session-error', 'session-expired');
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'revoke-count', '1');
    });
  },
};

/**
 * The server says how long each refresh token lives (`refreshExpiresIn`), and no token of a
 * login outlives 150 s, however often it rotates. The session refreshes as usual, warns 30 s
 * before the refresh token's end (reason `refresh-expiry`, no "Stay signed in"), ends at 150 s
 * with kind `session-expired`, and sends no refresh after it.
 */
const LOG = [LOGIN, 'POST /auth/refresh (refresh …R001) → 200', 'POST /auth/refresh (refresh …R002) → 200', 'POST /auth/revoke (refresh …R003) → 200'];

export const RefreshTokenExpiry: Story = {
  ...withScenario({ lifetime: { endingWarning: 30_000 }, revoke: true, refreshMaxAge: 150 }),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('+100 s: two background refreshes, each answered with the time the login has left', async () => {
      await advance(context, '+10 s', 5);
      await expectText(canvasElement, 'refresh-count', '1');
      await expectStatus(canvasElement, 'authenticated');
      await advance(context, '+10 s', 5);
      await expectText(canvasElement, 'refresh-count', '2');
      await expectStatus(canvasElement, 'authenticated');
      await expect(warning(canvasElement)).toBeNull();
    });
    await step('+120 s: the warning, reason refresh-expiry, without Stay signed in', async () => {
      await advance(context, '+10 s', 2);
      await expectText(canvasElement, 'ending', "You'll be signed out in 30 s");
      await expectText(canvasElement, 'ending-reason', 'refresh-expiry');
      await expect(canvas.queryByRole('button', { name: 'Stay signed in' })).toBeNull();
    });
    await step('+150 s: signed out with kind session-expired', async () => {
      await advance(context, '+10 s', 2);
      await expectText(canvasElement, 'ending', "You'll be signed out in 10 s");
      await expectStatus(canvasElement, 'authenticated');
      await advance(context, '+10 s');
      await expectStatus(canvasElement, 'loggedOut');
      await expectText(canvasElement, 'session-error', 'session-expired');
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'revoke-count', '1');
      // the access token A003 was due for a refresh at 145 s: none was sent, its refresh token could not win
      await expectRequests(canvasElement, LOG);
    });
    await step('+1 min more: no refresh request after the expiry', async () => {
      await advance(context, '+1 min');
      await expectText(canvasElement, 'clock', '+210 s');
      await expectText(canvasElement, 'refresh-count', '2');
      await expectRequests(canvasElement, LOG);
      await expectStatus(canvasElement, 'loggedOut');
    });
  },
};

/**
 * The revocation fails (the network is down when the user signs out from the warning): the
 * user is signed out at once all the same, logout() resolves, and the failure is a warning.
 */
export const RevocationFails: Story = {
  ...withScenario(IDLE),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');
    await advance(context, '+10 s', 4);
    await expectText(canvasElement, 'ending', "You'll be signed out in 20 s");

    await step('network down, then Sign out: signed out at once, logout() resolves', async () => {
      await userEvent.click(canvas.getByLabelText('Network down'));
      await userEvent.click(canvas.getByRole('button', { name: 'Sign out' }));
      await expectStatus(canvasElement, 'loggedOut');
      await expect(warning(canvasElement)).toBeNull();
      await expectText(canvasElement, 'logged-out-count', '1');
      await expectText(canvasElement, 'logout-resolved', '1');
    });
    await step('the revocation failed: one warning, nothing revoked at the server', async () => {
      const warnings = within(canvas.getByRole('list', { name: 'Warnings' }));
      await waitFor(() => expect(warnings.getAllByRole('listitem').map((li) => li.textContent)).toEqual([expect.stringMatching(/^revoking the ended session failed; it is logged out here anyway/)]));
      await expectRequests(canvasElement, [LOGIN, 'POST /auth/revoke (refresh …R001) → network error']);
      await expectText(canvasElement, 'revoke-count', '0');
      await expect(canvas.queryByTestId('session-error')).toBeNull();
    });
  },
};
