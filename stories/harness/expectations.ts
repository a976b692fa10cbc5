import type { SessionStatus } from '../../src/index.js';
import { expect, waitFor, within } from 'storybook/test';

type Scope = HTMLElement;

/** The statechart path drawn for a public status (the two renewing children are nested). */
export const chartPath = (status: SessionStatus) =>
  status === 'expiringSoon' || status === 'refreshing' ? `renewing.${status}` : status;

/** The statechart marks `status` current, and the app and the panel both say it. */
export async function expectStatus(scope: Scope, status: SessionStatus) {
  const at = within(scope);
  await waitFor(() => {
    expect(at.getByRole('listitem', { current: 'step' })).toHaveAttribute('data-state', chartPath(status));
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
