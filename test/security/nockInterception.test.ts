import nock from 'nock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loggedInSession } from '../helpers/server.js';
import { interceptionClients } from './interceptionClients.js';

// DESIGN rule 5 (v3), last clause, with nock answering the API (it intercepts node:http and
// fetch): a 401 from the mocked API refreshes at the real auth server (not intercepted) and the
// request is replayed with the new token.

const API = 'https://api.example.test';
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.restore();
});

describe.each(interceptionClients)('%s under nock', (_name, make) => {
  it('a 401 from the mocked API refreshes once and replays with the new token', async () => {
    const { server, session } = await loggedInSession();
    const refused = session.getSnapshot().accessToken as string;
    const got: Array<string | undefined> = [];
    nock(API)
      .get('/me')
      .times(2)
      .reply(function reply() {
        const authorization = this.req.headers.authorization as string | undefined;
        got.push(authorization);
        return authorization === `Bearer ${refused}` ? [401, { error: 'expired' }] : [200, { ok: true }];
      });
    expect(await make(session, API)('me')).toBe(200);
    expect(server.counters.refreshOk).toBe(1);
    expect(got).toEqual([`Bearer ${refused}`, `Bearer ${session.getSnapshot().accessToken}`]);
    session.stop();
  });
});
