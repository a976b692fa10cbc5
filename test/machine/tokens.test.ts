import { describe, expect, it } from 'vitest';
import { redact } from '../../src/machine/redact.js';
import { isNewer, normalizeTokens, toTokenSet } from '../../src/machine/tokens.js';
import { fakeJwt } from '../helpers/refreshStub.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const sec = (ms: number) => Math.floor(ms / 1000);

describe('reading a token set', () => {
  it('takes expiry from expiresAt first, then the JWT exp, then expiresIn', () => {
    const jwt = fakeJwt({ sub: 'u', iat: sec(NOW), exp: sec(NOW) + 900 });
    expect(normalizeTokens({ accessToken: jwt, expiresAt: NOW + 5_000, expiresIn: 60 }, NOW, 'refresh', 't').expiresAt).toBe(NOW + 5_000);
    expect(normalizeTokens({ accessToken: jwt, expiresIn: 60 }, NOW, 'refresh', 't').expiresAt).toBe((sec(NOW) + 900) * 1000);
    expect(normalizeTokens({ accessToken: 'opaque', expiresIn: 60 }, NOW, 'refresh', 't').expiresAt).toBe(NOW + 60_000);
    expect(normalizeTokens({ accessToken: 'opaque' }, NOW, 'refresh', 't').expiresAt).toBeNull();
  });

  it('decodes JWT claims and leaves them null for opaque tokens', () => {
    const jwt = fakeJwt({ sub: 'alice', role: 'admin', exp: sec(NOW) + 60 });
    expect(normalizeTokens({ accessToken: jwt }, NOW, 'refresh', 't').claims).toMatchObject({ sub: 'alice', role: 'admin' });
    expect(normalizeTokens({ accessToken: 'abc123' }, NOW, 'refresh', 't').claims).toBeNull();
  });

  it.each([
    ['not an object', 'nope'],
    ['null', null],
    ['no access token', { refreshToken: 'r' }],
    ['an empty access token', { accessToken: '' }],
    ['a numeric access token', { accessToken: 42 }],
    ['an empty refresh token', { accessToken: 'a', refreshToken: '' }],
    ['a negative expiresIn', { accessToken: 'a', expiresIn: -5 }],
    ['a string expiresAt', { accessToken: 'a', expiresAt: 'tomorrow' }],
    ['a JWT that does not decode', { accessToken: 'eyJhbGciOiJIUzI1NiJ9.not-base64!.sig' }],
    ['a JWT whose exp is a string', { accessToken: fakeJwt({ exp: 'soon' }) }],
    ['a JWT whose payload is an array', { accessToken: fakeJwt([1, 2] as unknown as Record<string, unknown>) }],
  ])('refuses %s with kind invalid-response', (_, value) => {
    expect(() => normalizeTokens(value, NOW, 'refresh', 'refresh')).toThrowError(expect.objectContaining({ kind: 'invalid-response' }));
  });

  it('refuses freshly issued tokens that are already expired (a refresh loop in the making)', () => {
    const jwt = fakeJwt({ iat: sec(NOW) - 120, exp: sec(NOW) - 60 });
    expect(() => normalizeTokens({ accessToken: jwt }, NOW, 'stored', 't')).not.toThrow();
    expect(() => normalizeTokens({ accessToken: 'x', expiresAt: NOW - 1 }, NOW, 'refresh', 't')).toThrowError(/already expired/);
  });

  it('never puts a whole token in an error message', () => {
    const broken = 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.secret-signature-XYZW';
    try {
      normalizeTokens({ accessToken: broken }, NOW, 'refresh', 'refresh');
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(broken);
      expect(String((error as Error).message)).toContain('…XYZW');
    }
  });
});

describe('clock skew', () => {
  const ttl = 900;

  it('corrects expiry when the local clock runs 10 minutes ahead of the server (iat)', () => {
    const serverNow = NOW - 600_000;
    const jwt = fakeJwt({ iat: sec(serverNow), exp: sec(serverNow) + ttl });
    const t = normalizeTokens({ accessToken: jwt }, NOW, 'refresh', 't');
    // 15 minutes left on the server's clock means 15 minutes left here too
    expect(Math.abs((t.expiresAt as number) - (NOW + ttl * 1000))).toBeLessThan(1_000);
  });

  it('corrects expiry when the local clock runs behind, using the Date the refresh reported', () => {
    const serverNow = NOW + 300_000;
    const jwt = fakeJwt({ exp: sec(serverNow) + ttl });
    const t = normalizeTokens({ accessToken: jwt, serverDate: serverNow }, NOW, 'refresh', 't');
    expect(Math.abs((t.expiresAt as number) - (NOW + ttl * 1000))).toBeLessThan(1_000);
  });

  it('ignores offsets under two seconds, which iat and Date cannot resolve', () => {
    const jwt = fakeJwt({ iat: sec(NOW) - 1, exp: sec(NOW) + ttl });
    expect(normalizeTokens({ accessToken: jwt }, NOW, 'refresh', 't').expiresAt).toBe((sec(NOW) + ttl) * 1000);
  });

  it('treats a 1.5 s offset as skew for 2-second tokens, where it is not noise', () => {
    const serverNow = NOW - 1_500;
    const jwt = fakeJwt({ iat: sec(serverNow), exp: sec(serverNow) + 2 });
    const t = normalizeTokens({ accessToken: jwt }, NOW, 'refresh', 't');
    const trueExpiry = (sec(serverNow) + 2) * 1000 + 1_500;
    expect((t.expiresAt as number) - trueExpiry).toBeGreaterThanOrEqual(0);
    expect((t.expiresAt as number) - trueExpiry).toBeLessThan(1_000);
  });

  it('counts an opaque token’s expires_in from the server’s Date, never later than the truth', () => {
    const t = normalizeTokens({ accessToken: 'opaque', expiresIn: 60, serverDate: NOW - 400 }, NOW, 'refresh', 't');
    expect(t.expiresAt).toBe(NOW - 400 + 60_000);
    // a server clock 10 minutes behind: its Date is moved onto this clock
    const skewed = normalizeTokens({ accessToken: 'opaque', expiresIn: 60, serverDate: NOW - 600_000 }, NOW, 'refresh', 't');
    expect(skewed.expiresAt).toBe(NOW + 60_000);
  });

  it('does not correct stored tokens, whose expiresAt is already on this clock', () => {
    const jwt = fakeJwt({ iat: sec(NOW) - 3_600, exp: sec(NOW) + 60 });
    expect(normalizeTokens({ accessToken: jwt, expiresAt: NOW + 60_000 }, NOW, 'stored', 't').expiresAt).toBe(NOW + 60_000);
  });

  it('derives the lifetime from exp - iat, which bounds the refresh lead time', () => {
    const jwt = fakeJwt({ iat: sec(NOW), exp: sec(NOW) + 20 });
    expect(normalizeTokens({ accessToken: jwt }, NOW, 'refresh', 't').lifetime).toBe(20_000);
  });
});

describe('helpers', () => {
  it('round-trips through the stored form without losing expiry or lifetime', () => {
    const t = normalizeTokens({ accessToken: 'a', refreshToken: 'r', expiresIn: 30 }, NOW, 'refresh', 't');
    const back = normalizeTokens(toTokenSet(t), NOW + 5_000, 'stored', 'stored');
    expect(back).toMatchObject({ accessToken: 'a', refreshToken: 'r', expiresAt: NOW + 30_000, lifetime: 30_000 });
  });

  it('orders token sets by expiry, and by identity when expiry ties or is unknown', () => {
    const a = normalizeTokens({ accessToken: 'a', expiresIn: 10 }, NOW, 'refresh', 't');
    const b = normalizeTokens({ accessToken: 'b', expiresIn: 20 }, NOW, 'refresh', 't');
    const c = normalizeTokens({ accessToken: 'c', expiresIn: 20 }, NOW, 'refresh', 't');
    expect(isNewer(b, a)).toBe(true);
    expect(isNewer(a, b)).toBe(false);
    expect(isNewer(c, b)).toBe(true); // same second: the one offered later wins
    expect(isNewer(b, b)).toBe(false);
    expect(isNewer(a, null)).toBe(true);
    const x = normalizeTokens({ accessToken: 'x' }, NOW, 'refresh', 't');
    const y = normalizeTokens({ accessToken: 'y' }, NOW, 'refresh', 't');
    expect(isNewer(x, y)).toBe(true);
    expect(isNewer(x, x)).toBe(false);
  });

  it('redacts to the last four characters', () => {
    expect(redact('eyJhbGciOiJIUzI1NiJ9.payload.sig-ABCD')).toBe('…ABCD');
    expect(redact(null)).toBe('null');
  });
});
