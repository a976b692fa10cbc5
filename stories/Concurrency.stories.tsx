import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { callLines, expectRequests, expectStatus, expectText, expectToken } from './harness/expectations.js';
import { scenarioMeta, scenarioOf, withScenario } from './harness/story.js';

/**
 * Many requests and one refresh: the bugs of the hand-written interceptor (duplicate refreshes,
 * lost or looping requests after a 401) as scenarios that must not happen.
 */
const meta = {
  title: 'Scenarios/Concurrency',
  ...scenarioMeta,
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

const LOGIN = 'POST /auth/login (no token) → 200';

/**
 * The token expires while the refresh is slow; ten calls arrive. They queue (the panel shows
 * 10 pending) and no request goes out; the one refresh answers and all ten go out with the
 * new token and succeed.
 */
export const TenRequestsOneRefresh: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');
    await userEvent.click(canvas.getByLabelText('Slow refresh'));

    await step('+1 min: the token expired, one slow refresh starts', async () => {
      await userEvent.click(canvas.getByRole('button', { name: '+1 min' }));
      await expectStatus(canvasElement, 'refreshing');
      await expectText(canvasElement, 'refresh-count', '1');
    });
    await step('ten calls wait in the queue; none is sent with the expired token', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Call API ×10' }));
      await expectText(canvasElement, 'pending', '10');
      await expectText(canvasElement, 'ss-pending', '10');
      await expectText(canvasElement, 'calls-summary', '0 ok · 0 failed · 10 waiting');
      await expectRequests(canvasElement, [LOGIN, 'POST /auth/refresh (refresh …R001) → waiting']);
    });
    await step('the refresh answers: all ten succeed with the new token', async () => {
      await userEvent.click(canvas.getByLabelText('Slow refresh'));
      await expectText(canvasElement, 'calls-summary', '10 ok · 0 failed · 0 waiting');
      await expectRequests(canvasElement, [
        LOGIN,
        'POST /auth/refresh (refresh …R001) → 200',
        ...Array.from({ length: 10 }, () => 'GET /api/data (access …A002) → 200'),
      ]);
      await expectText(canvasElement, 'pending', '0');
      await expectText(canvasElement, 'refresh-count', '1');
      await expectStatus(canvasElement, 'authenticated');
    });
  },
};

/**
 * A slow call leaves with token A001; meanwhile the token expires and is refreshed to A002.
 * The call's 401 is for a token that is no longer current (a "stale 401"): the chart, asked
 * once, answers with A002 and the call is replayed at once, without a second refresh.
 */
export const Stale401Replayed: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent, step } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await step('a slow call leaves with A001', async () => {
      await userEvent.click(canvas.getByLabelText('Slow API'));
      await userEvent.click(canvas.getByRole('button', { name: 'Call API' }));
      await expectRequests(canvasElement, [LOGIN, 'GET /api/data (access …A001) → waiting']);
    });
    await step('+1 min: the session refreshes to A002', async () => {
      await userEvent.click(canvas.getByRole('button', { name: '+1 min' }));
      await expectToken(canvasElement, scenarioOf(context), 'A002');
      await expectStatus(canvasElement, 'authenticated');
    });
    await step('the slow call gets its 401 and is replayed with A002, no new refresh', async () => {
      await userEvent.click(canvas.getByLabelText('Slow API'));
      await waitFor(() => expect(callLines(canvasElement)).toEqual(['Call 1: GET /api/data → 200 OK']));
      await expectRequests(canvasElement, [
        LOGIN,
        'GET /api/data (access …A001) → 401',
        'POST /auth/refresh (refresh …R001) → 200',
        'GET /api/data (access …A002) → 200',
      ]);
      await expectText(canvasElement, 'refresh-count', '1');
      const events = within(canvas.getByRole('list', { name: 'Event log' }));
      // the chart was asked once, about A001 (the login's token), and answered without a refresh
      const a001 = /LOGIN (…\S{4})/.exec(events.getByText(/LOGIN …/).textContent ?? '')?.[1] as string;
      await expect(events.getAllByText(new RegExp(`TOKEN_REQUESTED \\(401 with ${a001}\\)`))).toHaveLength(1);
      await expect(events.getAllByText(/ANSWER_RECEIVED/)).toHaveLength(1);
      await expectStatus(canvasElement, 'authenticated');
    });
  },
};

/**
 * An endpoint that refuses every token: the call is replayed once after one refresh, then its
 * 401 is shown to the user. No loop, and the session stays authenticated.
 */
export const Always401RetriedOnce: Story = {
  ...withScenario(),
  play: async (context) => {
    const { canvas, canvasElement, userEvent } = context;
    await userEvent.click(canvas.getByRole('button', { name: 'Log in' }));
    await expectStatus(canvasElement, 'authenticated');

    await userEvent.click(canvas.getByRole('button', { name: 'Call always-401 endpoint' }));
    await waitFor(() => expect(canvas.getByRole('alert')).toHaveTextContent('Call 1 failed: 401 Unauthorized'));
    await expectRequests(canvasElement, [
      LOGIN,
      'GET /api/always-401 (access …A001) → 401',
      'POST /auth/refresh (refresh …R001) → 200',
      'GET /api/always-401 (access …A002) → 401',
    ]);
    await expectText(canvasElement, 'refresh-count', '1');
    await expectText(canvasElement, 'calls-summary', '0 ok · 1 failed · 0 waiting');
    await expectStatus(canvasElement, 'authenticated');
    const events = within(canvas.getByRole('list', { name: 'Event log' }));
    await expect(events.getAllByText(/TOKEN_REQUESTED \(401 with/)).toHaveLength(1);
  },
};
