import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { describe, expect, it } from 'vitest';
import { createSession, type SessionSnapshot } from '../../src/index.js';
import { sessionPlugin, useSession, useSessionSelector } from '../../src/vue.js';

// Runs in Node, where there is no `window`: any access to it while rendering would throw.
const App = defineComponent({
  setup() {
    const { status, isAuthenticated, claims } = useSession();
    const pending = useSessionSelector((s) => s.pending);
    return () => h('p', `${status.value} ${String(isAuthenticated.value)} ${String(claims.value?.sub ?? '—')} ${pending.value}`);
  },
});

function serverSession() {
  const session = createSession({ refresh: async () => ({ accessToken: 'x' }) });
  let subscriptions = 0;
  const subscribe = session.subscribe;
  session.subscribe = (listener) => (subscriptions++, subscribe(listener));
  return { session, subscriptions: () => subscriptions };
}

describe('Vue server rendering', () => {
  it('renders logged out by default, subscribes to nothing and never prints the token', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const { session, subscriptions } = serverSession();
    session.login({ accessToken: 'server-side-token-1234', expiresIn: 60 });
    const html = await renderToString(createSSRApp(App).use(sessionPlugin(session)));
    expect(html).toBe('<p>loggedOut false — 0</p>');
    expect(subscriptions()).toBe(0);
    session.stop();
  });

  it('renders the server snapshot it is given', async () => {
    const { session } = serverSession();
    const serverSnapshot: SessionSnapshot = {
      status: 'authenticated', accessToken: null, claims: { sub: 'ann' }, expiresAt: null, error: null,
      pending: 0, ending: null, retryAt: null, tokenType: 'Bearer', nonceRetry: null, isAuthenticated: true, isRestoring: false,
    };
    const html = await renderToString(createSSRApp(App).use(sessionPlugin(session, { serverSnapshot })));
    expect(html).toBe('<p>authenticated true ann 0</p>');
    session.stop();
  });
});
