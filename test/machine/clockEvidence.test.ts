import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTokens } from '../../src/machine/tokens.js';
import { refreshAt } from '../../src/machine/sessionMachine.js';
import { fakeJwt } from '../helpers/refreshStub.js';

// Siblings of issue 19 item 8 (rule 9 v3), on an injected clock: the most precise evidence
// wins, Date's truncation is noise in the direction that expires a token sooner, and no fresh
// token's expiry is later than what the token itself says. `NOW` is this machine's clock; the
// server's is `NOW + skew`.

const T = Date.parse('2026-03-01T12:00:00Z'); // a whole second
const jwt = (iat: number, exp: number) => fakeJwt({ sub: 'u', iat: iat / 1000, exp: exp / 1000 });
const refreshed = (set: Record<string, unknown>, now: number) => normalizeTokens(set, now, 'refresh', 'refresh');

describe('which evidence wins', () => {
  it('a fractional iat over a whole-second Date: a 1.5-s token arriving 900 ms into the second expires at its exp', () => {
    const iat = T + 880; // signed 880 ms into the second, answered with Date: T, read at T + 900
    const t = refreshed({ accessToken: jwt(iat, iat + 1_500), serverDate: T }, T + 900);
    expect(t.expiresAt).toBe(iat + 1_500);
  });

  it('a whole-second iat with a fractional exp (a 1.5-s lifetime): the lost fraction of the second is noise, not skew', () => {
    const t = refreshed({ accessToken: jwt(T, T + 1_500), expiresIn: 1.5, serverDate: T }, T + 800);
    expect(t.expiresAt).toBe(T + 1_500);
    // what is left of it (0.7 s) bounds the lead time: not due the moment it arrives
    expect(refreshAt(t, 60_000)).toBeGreaterThan(T + 800);
  });

  it('a Date ahead of this clock by less than the noise (this clock 800 ms behind): taken as said, never read as no skew', () => {
    const iat = T + 800; // the server's time when it answered, 800 ms ahead of ours
    const t = refreshed({ accessToken: jwt(iat, iat + 60_000), serverDate: T }, T);
    expect(t.expiresAt).toBe(T + 60_000); // not iat + 60 s, which is 800 ms after the token's end here
  });

  it('an opaque token with expires_in and a Date ahead of this clock: no later than expires_in from now', () => {
    const t = refreshed({ accessToken: 'opaque-token', expiresIn: 60, serverDate: T + 1_000 }, T + 500);
    expect(t.expiresAt).toBe(T + 500 + 60_000);
  });

  it.each([
    ['ahead of', 5 * 60_000],
    ['behind', -5 * 60_000],
  ])('this clock 5 minutes %s the server: a fractional iat gives the expiry to the millisecond', (_, lead) => {
    const iat = T - lead + 123; // the server's time when it signed; read 40 ms later here
    const t = refreshed({ accessToken: jwt(iat, iat + 1_500), serverDate: Math.floor(iat / 1000) * 1000 }, T + 123 + 40);
    expect(t.expiresAt).toBe(T + 123 + 40 + 1_500);
  });

  it('1-s tokens with whole-second stamps and this clock 1.2 s ahead: never refused as already expired', () => {
    // signed at the server's T (iat T, exp T + 1 s), read here 1.2 s later on this clock's reckoning
    const t = refreshed({ accessToken: jwt(T, T + 1_000), serverDate: T }, T + 1_200);
    expect(t.expiresAt).toBeGreaterThan(T + 1_200);
    expect(t.expiresAt).toBeLessThanOrEqual(T + 1_200 + 1_000);
  });
});

describe('any skew, latency, lifetime and precision (property)', () => {
  const scenario = fc.record({
    skew: fc.oneof(fc.constant(0), fc.integer({ min: -3_000, max: 3_000 }), fc.integer({ min: -300_000, max: 300_000 })),
    lifetime: fc.oneof(fc.constantFrom(1_500, 2_000, 5_000, 60_000, 3_600_000), fc.integer({ min: 1_500, max: 3_600_000 })),
    precision: fc.constantFrom('ms', 's'),
    phase: fc.integer({ min: 0, max: 999_999 }), // where in its second the server signs
    processing: fc.integer({ min: 0, max: 50 }), // signing to answering, on the server
    network: fc.integer({ min: 0, max: 300 }), // answering to receipt
    withDate: fc.boolean(),
    withExpiresIn: fc.boolean(),
  });

  it('a fresh JWT: never later than the token says, late by at most the latency (plus the second a whole-second iat lost), exact when the clocks agree', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const signed = T + s.phase + s.skew; // on the server's clock
        const iat = s.precision === 'ms' ? signed : Math.floor(signed / 1000) * 1000;
        const exp = iat + s.lifetime;
        const answered = signed + s.processing;
        const now = answered - s.skew + s.network; // receipt, on this clock
        const set = {
          accessToken: jwt(iat, exp),
          ...(s.withDate ? { serverDate: Math.floor(answered / 1000) * 1000 } : {}),
          ...(s.withExpiresIn ? { expiresIn: s.lifetime / 1000 } : {}),
        };
        const t = refreshed(set, now);
        const at = t.expiresAt as number;
        const truth = exp - s.skew; // the token's end on this clock
        const latency = s.processing + s.network;
        expect(at).toBeGreaterThan(now);
        expect(at).toBeLessThanOrEqual(now + (exp - iat)); // the token's own word
        expect(at - truth).toBeLessThanOrEqual(latency + (s.precision === 's' ? 1_000 : 0));
        expect(at - truth).toBeGreaterThanOrEqual(-(1_000 + Math.min(2_000, s.lifetime / 4)));
        if (s.skew === 0) expect(at).toBe(truth);
        expect(t.lifetime as number).toBeLessThanOrEqual(at - now); // never due on arrival
      }),
      { numRuns: 3_000 },
    );
  });

  it('a fresh opaque token with expires_in: never later than expires_in from now, never more than the noise earlier', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const answered = T + s.phase + s.skew;
        const now = answered - s.skew + s.network;
        const set = { accessToken: 'opaque-token-value', expiresIn: s.lifetime / 1000, ...(s.withDate ? { serverDate: Math.floor(answered / 1000) * 1000 } : {}) };
        const at = refreshed(set, now).expiresAt as number;
        expect(at).toBeLessThanOrEqual(now + s.lifetime);
        expect(at).toBeGreaterThanOrEqual(now + s.lifetime - Math.min(2_000, s.lifetime / 4));
      }),
      { numRuns: 3_000 },
    );
  });
});
