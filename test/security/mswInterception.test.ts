import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedInSession } from '../helpers/server.js';
import { interceptionClients } from './interceptionClients.js';

// DESIGN rule 5 (v3), last clause, with MSW (`msw/node`) answering the API: whatever final URL
// the intercepted response reports, a 401 from the mocked API refreshes (at the real auth server,
// which MSW lets through) and the request is replayed with the new token.

const API = 'https://api.example.test';
let refused = '';
const got: Array<string | null> = [];
const msw = setupServer(
  http.get(`${API}/me`, ({ request }) => {
    const authorization = request.headers.get('authorization');
    got.push(authorization);
    return authorization === `Bearer ${refused}` ? HttpResponse.json({ error: 'expired' }, { status: 401 }) : HttpResponse.json({ ok: true });
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: 'bypass' }));
afterAll(() => msw.close());

describe.each(interceptionClients)('%s under MSW', (_name, make) => {
  it('a 401 from the mocked API refreshes once and replays with the new token', async () => {
    const { server, session } = await loggedInSession();
    refused = session.getSnapshot().accessToken as string;
    got.length = 0;
    expect(await make(session, API)('me')).toBe(200);
    expect(server.counters.refreshOk).toBe(1);
    expect(got).toEqual([`Bearer ${refused}`, `Bearer ${session.getSnapshot().accessToken}`]);
    session.stop();
  });
});
