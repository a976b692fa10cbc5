import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createSession,
  isSessionError,
  webStorage,
  type SessionSync,
  type StorageLike,
  type SyncMessage,
  type TokenSet,
} from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { flush, pair } from '../helpers/refreshStub.js';

// Issue 12.8 / DESIGN rule 13 (v2): a token that cannot travel as an HTTP header value
// unchanged (CR, LF, NUL, characters beyond Latin-1, spaces at its ends, which fetch trims)
// is refused as `invalid-response` where it enters — login, a refresh answer, a renewed
// token, another tab, the storage — with a message that never holds it whole, and no request
// ever carries it altered.

const UNSENDABLE: Record<string, string> = {
  'CR LF (header injection)': 'secret-access-0123\r\nX-Evil: 1',
  LF: 'secret-access-0123\nabcd',
  CR: 'secret-access-0123\rabcd',
  NUL: 'secret-access-0123\u0000abcd',
  'beyond Latin-1': 'secret-access-0123\u0100abcd',
  emoji: 'secret-access-0123\u{1F600}abcd',
  'leading space': ' secret-access-0123abcd',
  'trailing space': 'secret-access-0123abcd ',
  'trailing tab': 'secret-access-0123abcd\t',
};

const good = pair('good');

/** True when `text` holds `token` whole (or its part before the odd character, which fetch's errors quote). */
const leaks = (text: string, token: string) => text.includes(token) || text.includes(token.trim()) || text.includes('secret-access-0123');

function expectRedacted(texts: string[], token: string) {
  for (const text of texts) expect(leaks(text, token), `"${text}" holds the token`).toBe(false);
}

function start(extra: { storage?: StorageLike; sync?: SessionSync; refresh?: () => Promise<TokenSet> } = {}) {
  const warnings: string[] = [];
  const session = createSession({
    refresh: extra.refresh ?? (async () => pair('next')),
    wake: false,
    retry: { attempts: 0 },
    onWarning: (m) => warnings.push(m),
    ...(extra.storage ? { storage: webStorage(extra.storage, { key: 'k', onWarning: (m) => warnings.push(m) }) } : {}),
    ...(extra.sync ? { sync: extra.sync } : {}),
  });
  onTestFinished(() => session.stop());
  return { session, warnings };
}

/** A local HTTP server that records the Authorization header of every request, byte for byte. */
async function recordingServer() {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const i = req.rawHeaders.findIndex((h) => h.toLowerCase() === 'authorization');
    seen.push(i < 0 ? '(none)' : Buffer.from(req.rawHeaders[i + 1] ?? '', 'latin1').toString('latin1'));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe.each(Object.entries(UNSENDABLE))('a token with %s', (_, bad) => {
  it('is refused at login() as invalid-response, redacted, whether it is the access or the refresh token', () => {
    const { session } = start();
    for (const tokens of [{ ...good, accessToken: bad }, { ...good, refreshToken: bad }]) {
      let thrown: unknown;
      try {
        session.login(tokens);
      } catch (error) {
        thrown = error;
      }
      expect(isSessionError(thrown) && thrown.kind).toBe('invalid-response');
      expectRedacted([(thrown as Error).message, String((thrown as Error).stack)], bad);
    }
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', accessToken: null });
  });

  it('is refused in a refresh answer: invalid-response, the working tokens kept, nothing sent altered to the API', async () => {
    const api = await recordingServer();
    // every answer is unusable: the access token, or the refresh token (by turns)
    let n = 0;
    const answer = () => (n++ % 2 === 0 ? { ...pair('a'), accessToken: bad } : { ...pair('b'), refreshToken: bad });
    const { session, warnings } = start({ refresh: async () => answer() });
    session.login(good);
    const authFetch = createAuthFetch(session, { baseUrl: api.url });

    for (let i = 0; i < 2; i++) {
      const error = await session.refresh().catch((e: unknown) => e);
      expect(isSessionError(error) && error.kind).toBe('invalid-response');
      expectRedacted([(error as Error).message], bad);
      expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: good.accessToken });
      expectRedacted([session.getSnapshot().error?.message ?? ''], bad);
      // the still-valid token goes out; cooling down, nothing is refreshed meanwhile (rule 15)
      const res = await authFetch('/api/me');
      expect(res.status).toBe(200);
      await flush();
    }
    expect(n).toBe(2); // the two refresh() calls, each of which resets the backoff
    expect(api.seen).toEqual([`Bearer ${good.accessToken}`, `Bearer ${good.accessToken}`]);
    expectRedacted(warnings, bad);
  });

  it('is refused as a renewed token (renewHeader), with a redacted warning, and the current token stays', () => {
    const { session, warnings } = start();
    session.login(good);
    session.tokensRenewed({ accessToken: bad, expiresIn: 600 });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: good.accessToken });
    expect(warnings.join('\n')).toMatch(/invalid|cannot be sent/i);
    expectRedacted(warnings, bad);
  });

  it('is refused from another tab, with a redacted warning, and the current tokens stay', async () => {
    let deliver!: (m: SyncMessage) => void;
    const sync: SessionSync = { publish: () => {}, subscribe: (l) => ((deliver = l), () => {}) };
    const { session, warnings } = start({ sync });
    session.login(good);
    const stamp = JSON.parse(JSON.stringify(session.actor.getSnapshot().context.tokens?.login ?? {})) as { id?: string; at?: number };
    for (const tokens of [{ ...pair('tab'), accessToken: bad }, { ...pair('tab'), refreshToken: bad }]) {
      deliver({ type: 'tokens', tokens: { ...tokens, expiresIn: 3600, loginId: stamp.id ?? 'x', loginAt: stamp.at ?? Date.now() } });
    }
    await flush();
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: good.accessToken });
    expect(session.actor.getSnapshot().context.tokens?.refreshToken).toBe(good.refreshToken);
    expectRedacted(warnings, bad);
  });

  it('is refused from storage at start: logged out, the value cleared, a redacted warning', () => {
    for (const tokens of [{ ...good, accessToken: bad }, { ...good, refreshToken: bad }]) {
      const map = new Map([['k', JSON.stringify({ ...tokens, expiresAt: Date.now() + 600_000 })]]);
      const storage: StorageLike = { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
      const { session, warnings } = start({ storage });
      expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', accessToken: null });
      expect(map.has('k')).toBe(false);
      expect(warnings.length).toBeGreaterThan(0);
      expectRedacted(warnings, bad);
    }
  });
});

describe('tokens that travel unchanged', () => {
  it('accepts Latin-1 characters and sends them byte for byte', async () => {
    const api = await recordingServer();
    const token = 'tok-\u00e9\u00ff\u0080-0123456789';
    const { session } = start();
    session.login({ accessToken: token, refreshToken: 'refresh-0123456789', expiresIn: 600 });
    const res = await createAuthFetch(session, { baseUrl: api.url })('/api/me');
    expect(res.status).toBe(200);
    expect(api.seen).toEqual([`Bearer ${token}`]);
  });
});
