import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { capturingFetch, loggedIn, OURS, tryUrl, type Captured } from './urlOracle.js';

// A fixed matrix beside the random property: every scheme spelling × every host spelling an
// attacker or a careless app produces (userinfo, IDN and look-alikes, trailing dots, ports,
// http vs https, full-width dots, backslashes), with a base URL of https://api.example.com.
// The token goes out exactly when new URL() puts the request on that origin.

const BASE = 'https://api.example.com/v1/';
const SCHEMES = ['https://', 'http://', '//', '\\\\', '/\\', 'https:\\\\', 'HTTPS://', 'https:/', 'https:', ' https://', '\thttps://'];
const HOSTS = [
  'api.example.com',
  'API.EXAMPLE.COM',
  'api.example.com.',
  'api.example.com:443',
  'api.example.com:8443',
  'api.example.com@evil.test',
  'evil.test@api.example.com',
  'api.example.com\\@evil.test',
  'api.example.com%2F@evil.test',
  'api.example.com\t@evil.test',
  'evil.test#@api.example.com',
  'evil.test?@api.example.com',
  '\u0430pi.example.com', // Cyrillic а
  'api\u3002example\u3002com', // ideographic full stops
  'api\uff0eexample\uff0ecom', // full-width full stops
  '\uff41\uff50\uff49.example.com', // full-width "api"
];
const MATRIX = SCHEMES.flatMap((scheme) => HOSTS.map((host) => `${scheme}${host}/x`));

const onApi = (input: string) => tryUrl(input, BASE)?.origin === 'https://api.example.com';

describe(`the origin matrix (${MATRIX.length} inputs, base ${BASE})`, () => {
  it('has the cases it claims: some reach the API origin, most do not', () => {
    expect(MATRIX.length).toBeGreaterThanOrEqual(148);
    const reach = MATRIX.filter(onApi);
    expect(reach).toEqual(expect.arrayContaining(['https://API.EXAMPLE.COM/x', 'https://api.example.com:443/x', '//api.example.com/x', 'https:api.example.com/x', 'https://evil.test@api.example.com/x', 'https://api\uff0eexample\uff0ecom/x']));
    expect(MATRIX.filter((i) => !onApi(i))).toEqual(expect.arrayContaining(['http://api.example.com/x', 'https://api.example.com./x', 'https://api.example.com:8443/x', 'https://api.example.com@evil.test/x', 'https://api.example.com\t@evil.test/x', 'https://\u0430pi.example.com/x', 'https://evil.test#@api.example.com/x']));
  });

  it('createAuthFetch attaches the token exactly to the inputs on the API origin', async () => {
    const session = loggedIn();
    const captured: Captured[] = [];
    const authFetch = createAuthFetch(session, { baseUrl: BASE, fetch: capturingFetch(captured) });
    const decisions: Array<[string, boolean]> = [];
    for (const input of MATRIX) {
      captured.length = 0;
      await authFetch(input);
      decisions.push([input, captured[0]?.authorization === OURS]);
    }
    expect(decisions).toEqual(MATRIX.map((input) => [input, onApi(input)]));
    session.stop();
  });

  it('createAuthFetch decides the same for each input given as a URL object or a Request', async () => {
    const session = loggedIn();
    const captured: Captured[] = [];
    const authFetch = createAuthFetch(session, { baseUrl: BASE, fetch: capturingFetch(captured) });
    const decisions: Array<[string, boolean, boolean | null]> = [];
    const expected: Array<[string, boolean, boolean | null]> = [];
    for (const input of MATRIX) {
      const url = tryUrl(input, BASE);
      if (url === null) continue;
      // a Request refuses a URL with credentials ("https://api.example.com@evil.test/x")
      const request = url.username === '' && url.password === '' ? new Request(url) : null;
      captured.length = 0;
      await authFetch(url);
      if (request) await authFetch(request);
      decisions.push([input, captured[0]?.authorization === OURS, request && captured[1]?.authorization === OURS]);
      expected.push([input, onApi(input), request && onApi(input)]);
    }
    expect(decisions.length).toBeGreaterThan(100);
    expect(decisions).toEqual(expected);
    session.stop();
  });

  it('attachSession attaches the token exactly when axios’s URL for the input is on the API origin', async () => {
    const session = loggedIn();
    const api = axios.create({ baseURL: BASE });
    let authorization: unknown = null;
    api.defaults.adapter = async (config) => {
      authorization = config.headers.get('Authorization');
      return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
    };
    attachSession(api, session);
    const plain = axios.create({ baseURL: BASE });
    const decisions: Array<[string, boolean]> = [];
    const expected: Array<[string, boolean]> = [];
    for (const input of MATRIX) {
      let uri: string;
      try {
        uri = plain.getUri({ url: input });
      } catch {
        continue; // axios refuses it ("https:" without //): nothing is sent
      }
      authorization = null;
      await api.get(input);
      decisions.push([input, authorization === OURS]);
      expected.push([input, tryUrl(uri)?.origin === 'https://api.example.com']);
    }
    expect(decisions.length).toBeGreaterThan(100);
    expect(decisions).toEqual(expected);
    session.stop();
  });
});
