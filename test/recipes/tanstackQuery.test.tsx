// @vitest-environment jsdom
import { QueryClientProvider, useQueries, useQuery, type QueryClient } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import ky from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { isSessionError, type Session } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { withSession } from '../../src/ky.js';
import { SessionProvider, useSession } from '../../src/react.js';
import { createSessionQueryClient } from './recipes.js';
import { loggedIn, range } from './setup.js';

// TanStack Query 5 with React 19 in jsdom, against the real auth server. A query function is
// counted each time TanStack calls it, so a retry would show.

afterEach(cleanup);
// waitFor's bound is generous for a loaded machine; nothing asserts how long anything took.
const PATIENCE = { timeout: 10_000 };

interface Item {
  user: string;
  query: string;
}
type Fetcher = (path: string, signal: AbortSignal) => Promise<Item>;

/** The two ways docs/recipes/data-clients.md shows: createAuthFetch (throwing on a non-2xx itself) and ky. */
const clients: Array<[string, (session: Session, baseUrl: string) => Fetcher]> = [
  [
    'createAuthFetch',
    (session, baseUrl) => {
      const authFetch = createAuthFetch(session, { baseUrl });
      return async (path, signal) => {
        const res = await authFetch(path, { signal });
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        return (await res.json()) as Item;
      };
    },
  ],
  [
    'ky',
    (session, baseUrl) => {
      const api = withSession(ky.create({ baseUrl: `${baseUrl}/` }), session);
      return (path, signal) => api.get(path.slice(1), { signal }).json<Item>();
    },
  ],
];

function wrap(session: Session, queryClient: QueryClient) {
  return ({ children }: { children: React.ReactNode }) => (
    <SessionProvider session={session}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </SessionProvider>
  );
}

describe.each(clients)('TanStack Query through %s', (_name, makeFetcher) => {
  it('100 queries with an expired token: 1 refresh, 0 expired tokens sent, 100 successes', async () => {
    const { auth, session, expire } = await loggedIn();
    const get = makeFetcher(session, auth.url);
    const queryClient = createSessionQueryClient(session);
    function Items() {
      const results = useQueries({ queries: range(100).map((i) => ({ queryKey: ['item', i], queryFn: ({ signal }) => get(`/api/item?i=${i}`, signal) })) });
      return <p>{results.filter((r) => r.isSuccess).length} ok</p>;
    }
    expire();
    render(<Items />, { wrapper: wrap(session, queryClient) });
    await waitFor(() => expect(screen.getByText(/ok$/).textContent).toBe('100 ok'), PATIENCE);
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiExpired: 0, apiOk: 100 });
    console.info(`[tanstack/${_name} storm] refreshes ${auth.counters.refreshCalls}, expired-token requests ${auth.counters.apiExpired}, successes ${auth.counters.apiOk}`);
  });

  it('a refused refresh: query.error is the SessionError (rejected), the user’s data is gone, nothing retries', async () => {
    const { auth, session, revokeAndExpire } = await loggedIn();
    const get = makeFetcher(session, auth.url);
    const queryClient = createSessionQueryClient(session);
    const failures: string[] = [];
    const seen = (error: unknown) => {
      failures.push(isSessionError(error) ? error.kind : 'http');
      throw error;
    };
    function Items() {
      const results = useQueries({
        queries: range(5).map((i) => ({ queryKey: ['item', i], queryFn: ({ signal }: { signal: AbortSignal }) => get(`/api/item?i=${i}`, signal).catch(seen) })),
      });
      return <p>{results.map((r) => r.status).join(' ')}</p>;
    }
    revokeAndExpire();
    render(<Items />, { wrapper: wrap(session, queryClient) });
    await waitFor(() => expect(failures).toHaveLength(10), PATIENCE);
    // first the session's own error, while the refresh was refused; then the logout resets the
    // cache and the queries still on screen ask once more, as anonymous requests (logged out,
    // the client sends what the bare client would), which the API refuses; the retry predicate
    // and TanStack's own retries stop there
    expect(failures.slice(0, 5)).toEqual(Array(5).fill('rejected'));
    expect(failures.slice(5)).toEqual(Array(5).fill('http'));
    await waitFor(() => expect(screen.getByText(/error/).textContent).toBe('error error error error error'), PATIENCE);
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiCalls: 5, apiNoToken: 5, apiOk: 0 });
    expect(queryClient.getQueryCache().getAll().map((q) => q.state.data)).toEqual(Array(5).fill(undefined));
  });
});

describe('TanStack Query and the session', () => {
  const fetcher = clients[0]![1];

  it('a query waiting on a refresh is pending (fetching), never error, then succeeds', async () => {
    const { auth, session, expire } = await loggedIn();
    const get = fetcher(session, auth.url);
    const queryClient = createSessionQueryClient(session);
    const seen: string[] = [];
    function Me() {
      const { status: session } = useSession();
      const query = useQuery({ queryKey: ['me'], queryFn: ({ signal }) => get('/api/me', signal) });
      seen.push(`${session}/${query.status}/${query.fetchStatus}`);
      return <p>{query.data ? `hello ${query.data.user}` : query.status}</p>;
    }
    auth.setFault({ type: 'delay', ms: 300 }, 1); // the refresh takes a while
    expire();
    render(<Me />, { wrapper: wrap(session, queryClient) });
    await waitFor(() => expect(screen.getByText(/hello/).textContent).toBe('hello ann'), PATIENCE);
    expect(seen).toContain('refreshing/pending/fetching');
    expect(seen.filter((s) => s.includes('/error/'))).toEqual([]);
    expect(auth.counters.refreshCalls).toBe(1);
  });

  it('logout clears the cache: the next user never sees the previous user’s data', async () => {
    const { auth, session } = await loggedIn();
    const get = fetcher(session, auth.url);
    const queryClient = createSessionQueryClient(session);
    const shown: string[] = [];
    function Me() {
      const query = useQuery({ queryKey: ['me'], queryFn: ({ signal }) => get('/api/me', signal) });
      shown.push(query.data?.user ?? '—');
      return <p>{query.data ? `hello ${query.data.user}` : 'loading'}</p>;
    }
    function App() {
      const { isAuthenticated } = useSession();
      return isAuthenticated ? <Me /> : <p>please log in</p>;
    }
    render(<App />, { wrapper: wrap(session, queryClient) });
    await waitFor(() => expect(screen.getByText(/hello/).textContent).toBe('hello ann'), PATIENCE);

    act(() => session.logout());
    await waitFor(() => screen.getByText('please log in'), PATIENCE);
    expect(queryClient.getQueryData(['me'])).toBeUndefined();

    shown.length = 0;
    const bob = await auth.login('bob');
    act(() => session.login(bob));
    await waitFor(() => expect(screen.getByText(/hello/).textContent).toBe('hello bob'), PATIENCE);
    expect(shown).not.toContain('ann');
    expect(shown.at(-1)).toBe('bob');
  });
});
