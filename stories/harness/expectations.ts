import type { SessionStatus } from '../../src/index.js';
import type { Scenario } from './scenario.js';
import { expect, waitFor, within } from 'storybook/test';

type Scope = HTMLElement;

/** The statechart path drawn for a public status (the session region's state; renewing's token region for two). */
export const chartPath = (status: SessionStatus) =>
  status === 'expiringSoon' || status === 'refreshing' ? `session.renewing.token.${status}` : `session.${status}`;

/** The current states the statechart marks that say the status (not the refresh attempt's or the lifetime's). */
export const statusStates = (scope: Scope) =>
  within(scope)
    .queryAllByRole('listitem', { current: 'step' })
    .filter((li) => !/^(lifetime\.|session\.renewing\.attempt\.)/.test(li.getAttribute('data-state') ?? ''));

/** The paths of the states the statechart marks current: one per region (`session.…`, `lifetime.…`). */
export const currentStates = (scope: Scope) =>
  within(scope).queryAllByRole('listitem', { current: 'step' }).map((el) => el.getAttribute('data-state') ?? '');

/** The session region's current state is `status` (however deep it is nested). */
const inSession = (status: SessionStatus) => new RegExp(`^(session\\.)?([\\w.]+\\.)?${status}$`);

/** The statechart marks `status` current, and the app and the panel both say it. */
export async function expectStatus(scope: Scope, status: SessionStatus) {
  const at = within(scope);
  await waitFor(() => {
    // (refreshFailed is marked by its substate: coolingDown, then ready)
    const marked = statusStates(scope).map((li) => li.getAttribute('data-state')?.replace(/^(session\.refreshFailed)\.\w+$/, '$1'));
    expect(marked).toEqual([chartPath(status)]);
    expect(at.getByTestId('ss-status')).toHaveTextContent(new RegExp(`^${status}$`));
    const app = at.queryByTestId('status');
    if (app) expect(app).toHaveTextContent(new RegExp(`^${status}$`));
  });
}

/** The request log, one line per request: `GET /api/data (access …A001) → 200`. */
export function requestLines(canvas: Scope): string[] {
  const log = within(canvas).getByRole('region', { name: 'Request log' });
  return within(log).queryAllByRole('listitem').map((li) => li.textContent ?? '');
}

export async function expectRequests(canvas: Scope, lines: string[]) {
  await waitFor(() => expect(requestLines(canvas)).toEqual(lines));
}

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** The text shown under a test id (exactly, for a string), waited for. */
export async function expectText(scope: Scope, testId: string, text: string | RegExp) {
  const pattern = typeof text === 'string' ? exactly(text) : text;
  await waitFor(() => expect(within(scope).getByTestId(testId)).toHaveTextContent(pattern));
}

/** The lines of the app's call list. */
export function callLines(scope: Scope): string[] {
  return within(within(scope).getByRole('list', { name: 'Calls' })).queryAllByRole('listitem').map((li) => li.textContent ?? '');
}

/**
 * The statechart panel shows the access token of pair `label` (`A001`: the first login's,
 * `A002`: the first refresh's). Tokens are real JWTs, so the panel shows their real last four
 * characters; the label says which issued token that must be.
 */
export async function expectToken(scope: Scope, scenario: Scenario, label: `A${string}`) {
  const n = Number(label.slice(1));
  await waitFor(() => {
    const token = scenario.backend.kit.issued[n - 1]?.accessToken;
    expect(token, `token ${label} was issued`).toBeDefined();
    expect(within(scope).getByTestId('ss-token')).toHaveTextContent(exactly(`…${(token as string).slice(-4)}`));
  });
}

/** The statechart's lifetime region is in `state` (`unbounded`, `active`, `ending`). */
export async function expectLifetime(scope: Scope, state: 'unbounded' | 'active' | 'ending') {
  await waitFor(() => expect(currentStates(scope)).toContain(`lifetime.${state}`));
}
