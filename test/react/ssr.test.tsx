import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createSession, type SessionSnapshot } from '../../src/index.js';
import { SessionStatechart } from '../../src/devtools.js';
import { SessionProvider, useSession, useSessionSelector } from '../../src/react.js';

// Runs in Node, where there is no `window`: any access to it during render would throw.
function App() {
  const { status, isAuthenticated } = useSession();
  const pending = useSessionSelector((s) => s.pending);
  return <p>{`${status} ${String(isAuthenticated)} ${pending}`}</p>;
}

describe('server rendering', () => {
  it('renders the logged-out snapshot by default, without touching window', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const session = createSession({ refresh: async () => ({ accessToken: 'x' }) });
    session.login({ accessToken: 'server-side-token-1234', expiresIn: 60 });
    const html = renderToString(
      <SessionProvider session={session}>
        <App />
      </SessionProvider>,
    );
    expect(html).toContain('loggedOut false 0');
    expect(html).not.toContain('server-side-token-1234');
    session.stop();
  });

  it('renders a provided server snapshot', () => {
    const session = createSession({ refresh: async () => ({ accessToken: 'x' }) });
    const serverSnapshot: SessionSnapshot = { status: 'authenticated', accessToken: null, claims: { sub: 'ann' }, expiresAt: null, error: null, pending: 0, ending: null, retryAt: null, tokenType: 'Bearer', nonceRetry: null, isAuthenticated: true, isRestoring: false };
    const html = renderToString(
      <SessionProvider session={session} serverSnapshot={serverSnapshot}>
        <App />
      </SessionProvider>,
    );
    expect(html).toContain('authenticated true 0');
    session.stop();
  });

  it('renders the statechart on the server too', () => {
    const session = createSession({ refresh: async () => ({ accessToken: 'x' }) });
    const html = renderToString(<SessionStatechart session={session} />);
    expect(html).toContain('data-state="session.loggedOut"');
    session.stop();
  });
});
