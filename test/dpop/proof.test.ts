import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { dpop, memoryKeyStore } from '../../src/dpop.js';

// The proof itself (RFC 9449 §4.2), checked by jose and node:crypto rather than by our own code.

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const binding = (now = () => Date.UTC(2026, 0, 1, 12)) => dpop({ keyStore: memoryKeyStore(), now, onWarning: (m) => expect.fail(`unexpected warning: ${m}`) });

describe('a proof', () => {
  it('is an ES256 JWS with typ dpop+jwt whose embedded public jwk (kty, crv, x, y only) verifies it', async () => {
    const b = binding();
    const proof = await b.proof({ method: 'GET', url: 'https://api.example.com/me', accessToken: TOKEN });
    const header = decodeProtectedHeader(proof);
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) } });
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'], currentDate: new Date(Date.UTC(2026, 0, 1, 12)) });
    expect(Object.keys(payload).sort()).toEqual(['ath', 'htm', 'htu', 'iat', 'jti']);
    expect(payload).toMatchObject({ htm: 'GET', htu: 'https://api.example.com/me', iat: Date.UTC(2026, 0, 1, 12) / 1000, ath: sha256(TOKEN) });
    expect(await b.publicJwk()).toEqual(header.jwk);
  });

  it('has ath = base64url(SHA-256(token)) of the token it is for, and none without one (the token endpoint)', async () => {
    const b = binding();
    const other = `${TOKEN}x`;
    const first = decodeJwt(await b.proof({ method: 'GET', url: 'https://api.example.com/a', accessToken: TOKEN }));
    const second = decodeJwt(await b.proof({ method: 'GET', url: 'https://api.example.com/a', accessToken: other }));
    const third = decodeJwt(await b.proof({ method: 'GET', url: 'https://api.example.com/a', accessToken: TOKEN }));
    const bare = decodeJwt(await b.proof({ method: 'POST', url: 'https://as.example.com/token' }));
    expect([first.ath, second.ath, third.ath]).toEqual([sha256(TOKEN), sha256(other), sha256(TOKEN)]);
    expect(bare).not.toHaveProperty('ath');
  });

  it('has a new jti of at least 128 bits every time, also for the same request', async () => {
    const b = binding();
    const jtis = await Promise.all(Array.from({ length: 200 }, () => b.proof({ method: 'GET', url: 'https://api.example.com/a', accessToken: TOKEN }).then((p) => decodeJwt(p).jti)));
    expect(new Set(jtis).size).toBe(200);
    for (const jti of jtis) expect(Buffer.from(String(jti), 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('takes iat from the clock it is given, in whole seconds', async () => {
    let clock = 1_700_000_000_999;
    const b = binding(() => clock);
    const first = decodeJwt(await b.proof({ method: 'GET', url: 'https://api.example.com/' }));
    clock += 61_000;
    const second = decodeJwt(await b.proof({ method: 'GET', url: 'https://api.example.com/' }));
    expect([first.iat, second.iat]).toEqual([1_700_000_000, 1_700_000_061]);
  });

  it.for([
    ['https://API.Example.COM:443/a/b?q=1#frag', 'https://api.example.com/a/b'],
    ['http://api.example.com:80', 'http://api.example.com/'],
    ['https://api.example.com:8443/x?', 'https://api.example.com:8443/x'],
    ['https://user:pass@api.example.com/x', 'https://api.example.com/x'],
    ['https://api.example.com/a/./b/../c', 'https://api.example.com/a/c'],
    ['https://api.example.com/a/%2e%2E/c', 'https://api.example.com/c'],
    ['https://api.example.com/%7euser/%41%2d%5F%2e', 'https://api.example.com/~user/A-_.'],
    ['https://api.example.com/a%2fb/%e2%82%ac', 'https://api.example.com/a%2Fb/%E2%82%AC'],
    ['https://api.example.com/€ b', 'https://api.example.com/%E2%82%AC%20b'],
    ['https://xn--bcher-kva.example/p', 'https://xn--bcher-kva.example/p'],
    ['https://bücher.example/p', 'https://xn--bcher-kva.example/p'],
    ['http://[::1]:8080/p', 'http://[::1]:8080/p'],
  ] as const)('htu of %s is %s (RFC 9449 §4.3: no query, no fragment, RFC 3986 normalized)', async ([url, expected]) => {
    const b = binding();
    expect(decodeJwt(await b.proof({ method: 'GET', url })).htu).toBe(expected);
    expect(decodeJwt(await b.proof({ method: 'GET', url: new URL(url) })).htu).toBe(expected);
  });

  it.for([
    ['get', 'GET'],
    ['Post', 'POST'],
    ['delete', 'DELETE'],
    ['options', 'OPTIONS'],
    ['head', 'HEAD'],
    ['put', 'PUT'],
    ['PATCH', 'PATCH'],
    ['patch', 'patch'], // fetch sends it as written, so the proof must say the same
    ['PROPFIND', 'PROPFIND'],
  ] as const)('htm for method %s is %s, as fetch puts it on the wire', async ([method, expected]) => {
    expect(decodeJwt(await binding().proof({ method, url: 'https://api.example.com/' })).htm).toBe(expected);
  });

  it('refuses what cannot be proven: a method that is not a token, a URL that is not http(s)', async () => {
    const b = binding();
    await expect(b.proof({ method: 'GET /x', url: 'https://api.example.com/' })).rejects.toThrow(/not an HTTP method/);
    await expect(b.proof({ method: 'GET', url: 'ws://api.example.com/' })).rejects.toThrow(/http\(s\) requests, not ws:/);
    await expect(b.proof({ method: 'GET', url: '/relative' })).rejects.toThrow(TypeError); // Node: no page to resolve against
  });

  it('resolves a relative URL against the page (location.href), as the library resolves its own requests', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'location');
    Object.defineProperty(globalThis, 'location', { value: { href: 'https://app.example.com/deep/page?x=1' }, configurable: true });
    try {
      expect(decodeJwt(await binding().proof({ method: 'GET', url: 'api/me?y=2' })).htu).toBe('https://app.example.com/deep/api/me');
    } finally {
      if (saved) Object.defineProperty(globalThis, 'location', saved);
      else delete (globalThis as { location?: unknown }).location;
    }
  });

  it('thumbprint() is the RFC 7638 thumbprint of the jwk the proofs carry', async () => {
    const b = binding();
    const proof = await b.proof({ method: 'GET', url: 'https://api.example.com/' });
    const { jwk } = decodeProtectedHeader(proof);
    expect(await b.thumbprint()).toBe(await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]));
  });
});

describe('the encoding under the proofs', () => {
  it('base64url-encodes JSON as UTF-8 whatever it holds, and bytes as RFC 4648 §5 without padding', async () => {
    const { b64u, b64uJson } = await import('../../src/dpop/encoding.js');
    for (const value of [{ a: 'ascii' }, { a: 'é' }, { a: '€ and 😀' }, ['\u0000', '\u007f', '\u0080', '\u00ff']]) {
      expect(b64uJson(value)).toBe(Buffer.from(JSON.stringify(value), 'utf8').toString('base64url'));
    }
    for (const length of [0, 1, 2, 3, 16, 32, 64, 255]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      expect(b64u(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect(b64u(bytes.buffer)).toBe(Buffer.from(bytes).toString('base64url'));
    }
  });
});
