import { gql } from '@apollo/client';
import { describe, expect, it } from 'vitest';
import { isSessionError } from '../../src/index.js';
import { graphqlServer } from './graphqlServer.js';
import { createApiClient, createApollo, createUrql } from './recipes.js';
import { loggedIn, range } from './setup.js';

const ITEM = gql`
  query Item($i: Int!) {
    item(i: $i) {
      i
      user
    }
  }
`;

describe('openapi-fetch with createAuthFetch', () => {
  it('100 calls with an expired token: 1 refresh, 0 expired tokens sent, 100 successes', async () => {
    const { auth, session, expire } = await loggedIn();
    const api = createApiClient(session, auth.url);
    expire();
    const results = await Promise.all(range(100).map((i) => api.GET('/api/item', { params: { query: { i } } })));
    expect(results.map((r) => [r.response.status, r.data?.user, r.data?.query])).toEqual(range(100).map((i) => [200, 'ann', `?i=${i}`]));
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiExpired: 0, apiOk: 100 });
    console.info(`[openapi-fetch storm] refreshes ${auth.counters.refreshCalls}, expired-token requests ${auth.counters.apiExpired}, successes ${auth.counters.apiOk}`);
  });

  it('a refused refresh: GET rejects with the SessionError (rejected), no request goes out, nothing retries', async () => {
    const { auth, session, revokeAndExpire } = await loggedIn();
    const api = createApiClient(session, auth.url);
    revokeAndExpire();
    const errors = await Promise.all(range(5).map((i) => api.GET('/api/item', { params: { query: { i } } }).then(() => null, (e: unknown) => e)));
    expect(errors.map((e) => isSessionError(e) && e.kind)).toEqual(Array(5).fill('rejected'));
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiCalls: 0 });
    expect(session.getSnapshot().status).toBe('loggedOut');
  });
});

describe('Apollo Client 4: HttpLink with createAuthFetch', () => {
  it('100 queries with an expired token: 1 refresh, 0 expired tokens sent, 100 successes', async () => {
    const { auth, session, expire } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createApollo(session, graphql.url);
    expire();
    const results = await Promise.all(range(100).map((i) => client.query({ query: ITEM, variables: { i }, fetchPolicy: 'no-cache' })));
    expect(results.map((r) => r.data)).toEqual(range(100).map((i) => ({ item: { __typename: 'Item', i, user: 'ann' } })));
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiExpired: 0, apiOk: 100 });
    expect(graphql.stats.httpRequests).toBe(100);
    console.info(`[apollo storm] refreshes ${auth.counters.refreshCalls}, expired-token requests ${auth.counters.apiExpired}, successes ${auth.counters.apiOk}`);
  });

  it('a refused refresh: query() rejects with the SessionError (rejected), no request goes out, nothing retries', async () => {
    const { auth, session, revokeAndExpire } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createApollo(session, graphql.url);
    revokeAndExpire();
    const errors = await Promise.all(range(5).map((i) => client.query({ query: ITEM, variables: { i }, fetchPolicy: 'no-cache' }).then(() => null, (e: unknown) => e)));
    expect(errors.map((e) => isSessionError(e) && e.kind)).toEqual(Array(5).fill('rejected'));
    expect(auth.counters.refreshCalls).toBe(1);
    expect(graphql.stats.httpRequests).toBe(0);
  });
});

describe('urql: the fetch option with createAuthFetch', () => {
  it('100 queries with an expired token: 1 refresh, 0 expired tokens sent, 100 successes', async () => {
    const { auth, session, expire } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createUrql(session, graphql.url);
    expire();
    const results = await Promise.all(range(100).map((i) => client.query(ITEM, { i }, { requestPolicy: 'network-only' }).toPromise()));
    expect(results.map((r) => [r.error, r.data])).toEqual(range(100).map((i) => [undefined, { item: { __typename: 'Item', i, user: 'ann' } }]));
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiExpired: 0, apiOk: 100 });
    console.info(`[urql storm] refreshes ${auth.counters.refreshCalls}, expired-token requests ${auth.counters.apiExpired}, successes ${auth.counters.apiOk}`);
  });

  it('a refused refresh: result.error.networkError is the SessionError (rejected), nothing retries', async () => {
    const { auth, session, revokeAndExpire } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createUrql(session, graphql.url);
    revokeAndExpire();
    const results = await Promise.all(range(5).map((i) => client.query(ITEM, { i }, { requestPolicy: 'network-only' }).toPromise()));
    expect(results.map((r) => { const e = r.error?.networkError; return isSessionError(e) && e.kind; })).toEqual(Array(5).fill('rejected'));
    expect(auth.counters.refreshCalls).toBe(1);
    expect(graphql.stats.httpRequests).toBe(0);
  });
});
