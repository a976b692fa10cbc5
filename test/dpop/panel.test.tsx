// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createSession } from '../../src/index.js';
import { SessionPanel } from '../../src/devtools.js';
import { dpop, memoryKeyStore } from '../../src/dpop.js';
import { createAuthFetch } from '../../src/fetch.js';

afterEach(() => cleanup());

// The devtools panel says that the session is DPoP-bound, and when a nonce challenge was
// answered by a retry (not a refresh).

describe('SessionPanel in a DPoP session', () => {
  it('shows the token type and the nonce retries, with the origin that asked', async () => {
    const clock = 1_000_000;
    const session = createSession({ refresh: async () => ({ accessToken: 'x' }), dpop: dpop({ keyStore: memoryKeyStore() }), wake: false, activity: false });
    const bearer = createSession({ refresh: async () => ({ accessToken: 'x' }), wake: false, activity: false });
    const { unmount } = render(<SessionPanel session={bearer} now={() => clock} />);
    expect(screen.getByTestId('ss-token-type').textContent).toBe('Bearer');
    expect(screen.queryByTestId('ss-nonce')).toBeNull();
    unmount();

    render(<SessionPanel session={session} now={() => clock} />);
    expect(screen.getByTestId('ss-token-type').textContent).toMatch(/^DPoP/);
    expect(screen.getByTestId('ss-nonce').textContent).toBe('none');
    act(() => session.login({ accessToken: 'opaque-token-1234', expiresIn: 600 }));
    let calls = 0;
    const fetch = (async () =>
      ++calls === 1
        ? new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' } })
        : new Response('{}', { status: 200 })) as typeof globalThis.fetch;
    const authFetch = createAuthFetch(session, { baseUrl: 'https://api.example.com', fetch });
    await act(async () => void (await authFetch('/me')));
    expect(calls).toBe(2);
    expect(screen.getByTestId('ss-nonce').textContent).toMatch(/^1, last from https:\/\/api\.example\.com /);
    session.stop();
    bearer.stop();
  });
});
