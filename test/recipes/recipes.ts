// The "Data clients" recipes of docs/recipes/data-clients.md, as the tests import them. Keep this file and
// that page's text the same (imports here point at src/ instead of 'silent-session').
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { QueryClient } from '@tanstack/react-query';
import { createClient as createWsClient, type Client as WsClient, type ClientOptions as WsClientOptions } from 'graphql-ws';
import createOpenApiClient from 'openapi-fetch';
import { Client as UrqlClient, cacheExchange, fetchExchange } from 'urql';
import { isSessionError, type Session, type SessionErrorKind } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';

// --- TanStack Query -------------------------------------------------------------------------

/** Kinds that mean "the user must log in again": retrying the query cannot help. */
const SESSION_ENDED: ReadonlySet<SessionErrorKind> = new Set(['logged-out', 'rejected', 'idle-timeout', 'session-expired']);

export function createSessionQueryClient(session: Session): QueryClient {
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        // The session already retried the refresh; a query must not ask again and again, nor
        // while nobody is signed in (its requests then go out without a token).
        retry: (failureCount, error) =>
          !(isSessionError(error) && SESSION_ENDED.has(error.kind)) && session.getSnapshot().status !== 'loggedOut' && failureCount < 3,
      },
    },
  });
  // At logout (here, in another tab, or a refused refresh) every query loses its data, so none
  // survives into the next login. Queries still on screen fetch again, now without a token
  // (logged out, the client sends what the bare client would); `clear()` would leave them
  // pending forever instead.
  let loggedOut = session.getSnapshot().status === 'loggedOut';
  session.subscribe(({ status }) => {
    if (status === 'loggedOut' && !loggedOut) void queryClient.resetQueries();
    loggedOut = status === 'loggedOut';
  });
  return queryClient;
}

// --- openapi-fetch --------------------------------------------------------------------------

/** What `openapi-typescript` generates for the test API (GET /api/item?i=…). */
export interface paths {
  '/api/item': {
    get: {
      parameters: { query: { i: number } };
      responses: { 200: { content: { 'application/json': { ok: boolean; user: string; query: string } } } };
    };
  };
}

export function createApiClient(session: Session, baseUrl: string) {
  return createOpenApiClient<paths>({ baseUrl, fetch: createAuthFetch(session, { baseUrl }) });
}

// --- Apollo Client --------------------------------------------------------------------------

export function createApollo(session: Session, uri: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri, fetch: createAuthFetch(session, { baseUrl: uri }) }),
    cache: new InMemoryCache(),
  });
}

// --- urql -----------------------------------------------------------------------------------

export function createUrql(session: Session, url: string): UrqlClient {
  return new UrqlClient({ url, exchanges: [cacheExchange, fetchExchange], fetch: createAuthFetch(session, { baseUrl: url }) });
}

// --- graphql-ws -----------------------------------------------------------------------------

/**
 * A graphql-ws client whose connection carries the session's token. The protocol checks a
 * token once, at connection_init, and has no message to re-authenticate: when the session's
 * token changes the socket is closed and opened again at once (one reconnection for all the
 * active subscriptions, which graphql-ws resubscribes); after a logout the reconnection finds no
 * token and every subscription ends with the SessionError.
 */
export function createSessionWsClient(session: Session, options: WsClientOptions): WsClient {
  let socket: { readyState: number; close(code: number, reason: string): void } | null = null;
  let sentToken: string | null = null;
  let restarting = false;
  const client = createWsClient({
    ...options,
    connectionParams: async () => {
      sentToken = await session.getAccessToken();
      return { authorization: `Bearer ${sentToken}` };
    },
    // our own restart reconnects at once; anything else backs off
    retryWait: async (retries) => {
      if (restarting) return void (restarting = false);
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** retries));
    },
    on: {
      ...options.on,
      opened: (opened) => {
        socket = opened as typeof socket;
        options.on?.opened?.(opened);
      },
      closed: (event) => {
        socket = null;
        options.on?.closed?.(event);
      },
    },
  });
  session.subscribe(({ accessToken }) => {
    if (socket?.readyState !== 1 /* OPEN */ || sentToken === null || accessToken === sentToken) return;
    sentToken = null;
    restarting = true;
    socket.close(4205, 'token changed'); // not a fatal code: graphql-ws reconnects and resubscribes
  });
  return client;
}
