import axios, { type InternalAxiosRequestConfig } from 'axios';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { capturingFetch, input, judge, loggedIn, PAGE, PIECES, RUNS, tryUrl, type Captured } from './urlOracle.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('fetch and axios', () => {
  it(`createAuthFetch without baseUrl in a page: token iff new URL(input, page) is the page origin (${RUNS} runs)`, async () => {
    vi.stubGlobal('location', new URL(PAGE));
    const session = loggedIn();
    const captured: Captured[] = [];
    const authFetch = createAuthFetch(session, { fetch: capturingFetch(captured), onWarning: () => {} });
    const stats = { refused: 0, attached: 0 };
    await fc.assert(
      fc.asyncProperty(input, async (s) => {
        captured.length = 0;
        await authFetch(s).catch(() => {});
        // a browser's fetch resolves what it is given against the page; it must land where s would
        const where = captured[0] ? tryUrl(captured[0].url, PAGE) : null;
        if (where) expect([s, where.href]).toEqual([s, tryUrl(s, PAGE)?.href]);
        judge(captured[0], where, (u) => u.origin === 'https://app.example.com', stats);
      }),
      { numRuns: RUNS },
    );
    expect(stats.attached).toBeGreaterThan(50);
    expect(stats.refused).toBeGreaterThan(25);
    session.stop();
  });

  it(`"/..." input (where the one shortcut applies) lands exactly where new URL(input, page) does (${RUNS} runs)`, async () => {
    vi.stubGlobal('location', new URL(PAGE));
    const session = loggedIn();
    const captured: Captured[] = [];
    const authFetch = createAuthFetch(session, { fetch: capturingFetch(captured), onWarning: () => {} });
    const stats = { refused: 0, attached: 0 };
    // half of them start like a host would ("/\\", "/\t/", "/\n\\"…), half with anything
    const second = fc.oneof(fc.constant(''), fc.array(fc.constantFrom('\t', '\n', '\r', '/', '\\'), { minLength: 1, maxLength: 3 }).map((a) => a.join('')));
    const slashFirst = fc.tuple(second, fc.array(fc.constantFrom(...PIECES), { maxLength: 8 })).map(([b, a]) => `/${b}${a.join('')}`);
    await fc.assert(
      fc.asyncProperty(slashFirst, async (s) => {
        captured.length = 0;
        await authFetch(s).catch(() => {});
        const where = captured[0] ? tryUrl(captured[0].url, PAGE) : null;
        if (where) expect([s, where.href]).toEqual([s, tryUrl(s, PAGE)?.href]);
        judge(captured[0], where, (u) => u.origin === 'https://app.example.com', stats);
      }),
      { numRuns: RUNS },
    );
    expect(stats.attached).toBeGreaterThan(RUNS / 2);
    expect(stats.refused).toBeGreaterThan(40); // "/\\host", "/\t/host"… leave the page origin
    session.stop();
  });

  it(`createAuthFetch with a baseUrl and origins: sends new URL(input, baseUrl), token iff its origin is allowed (${RUNS} runs)`, async () => {
    const base = 'https://api.example.com/v1/';
    const session = loggedIn();
    const captured: Captured[] = [];
    const authFetch = createAuthFetch(session, { baseUrl: base, origins: ['https://files.example.com', /^https:\/\/[a-z]+\.evil\.test$/], fetch: capturingFetch(captured), onWarning: () => {} });
    const allowed = new Set(['https://api.example.com', 'https://files.example.com']);
    const stats = { refused: 0, attached: 0 };
    await fc.assert(
      fc.asyncProperty(input, async (s) => {
        captured.length = 0;
        await authFetch(s).catch(() => {});
        const sent = captured[0];
        const where = sent ? tryUrl(sent.url) : null;
        // what baseUrl promises: new URL(input, baseUrl)
        if (sent && where) expect([s, where.href]).toEqual([s, tryUrl(s, base)?.href]);
        judge(sent, where, (u) => allowed.has(u.origin) || /^https:\/\/[a-z]+\.evil\.test$/.test(u.origin), stats);
      }),
      { numRuns: RUNS },
    );
    expect(stats.attached).toBeGreaterThan(50);
    expect(stats.refused).toBeGreaterThan(25);
    session.stop();
  });

  it(`attachSession: token iff the URL axios builds (baseURL, url, allowAbsoluteUrls) resolves to an allowed origin (${RUNS} runs)`, async () => {
    vi.stubGlobal('location', new URL(PAGE));
    const session = loggedIn();
    const api = axios.create({ baseURL: 'https://api.example.com/v1' });
    const configs: Array<{ config: InternalAxiosRequestConfig; authorization: unknown }> = [];
    api.defaults.adapter = async (config) => {
      configs.push({ config, authorization: config.headers.get('Authorization') });
      return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
    };
    attachSession(api, session, { onWarning: () => {} });
    const plain = axios.create();
    const stats = { refused: 0, attached: 0 };
    const baseURL = fc.constantFrom(undefined, 'https://api.example.com', 'https://evil.test/', 'https://app.example.com/x/', '/rel', 'rel/', '', 'https:', 'https://');
    await fc.assert(
      fc.asyncProperty(input, baseURL, fc.constantFrom(undefined, true, false), async (url, base, allowAbsoluteUrls) => {
        configs.length = 0;
        await api.request({ url, ...(base === undefined ? {} : { baseURL: base }), ...(allowAbsoluteUrls === undefined ? {} : { allowAbsoluteUrls }) }).catch(() => {});
        if (!configs[0]) return;
        const { config, authorization } = configs[0];
        let full: string;
        try {
          full = plain.getUri({ url: config.url ?? '', baseURL: config.baseURL ?? '', ...(config.allowAbsoluteUrls === undefined ? {} : { allowAbsoluteUrls: config.allowAbsoluteUrls }) });
        } catch {
          return; // axios itself refuses this URL ("https:" without //): nothing is sent
        }
        // In a browser XHR and fetch resolve axios's URL against the page.
        judge({ url: full, authorization: typeof authorization === 'string' ? authorization : null }, tryUrl(full, PAGE), (u) => u.origin === 'https://api.example.com', stats);
      }),
      { numRuns: RUNS },
    );
    expect(stats.attached).toBeGreaterThan(50);
    expect(stats.refused).toBeGreaterThan(25);
    session.stop();
  });
});
