import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorizationNonceChallenge, dpop, memoryKeyStore, resourceNonceChallenge } from '../../src/dpop.js';

// Nonces (RFC 9449 §8, §9): recognising a server's challenge, and remembering DPoP-Nonce per origin.

const headers = (h: Record<string, string>) => (name: string) => new Headers(h).get(name);
const NONCE = 'eyJ7S_zG.9w-a1Q';

describe('a resource server nonce challenge', () => {
  it.for([
    ['DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"', true],
    ['dpop error=use_dpop_nonce', true],
    ['Bearer realm="api", DPoP algs="ES256 PS256", error="use_dpop_nonce"', true],
    ['DPoP error_description="a, b=\\"c\\", error=\\"x\\"", error="use_dpop_nonce"', true],
    ['Newauth realm="apps", type=1, title="Login to \\"apps\\"", DPoP error="use_dpop_nonce"', true],
    ['Negotiate a87421000492aa874209af8bc028==, DPoP error="use_dpop_nonce"', true],
    ['Bearer error="use_dpop_nonce", DPoP algs="ES256"', false], // the error is Bearer's
    ['DPoP error="invalid_token", error_description="use_dpop_nonce"', false],
    ['DPoP error="invalid_dpop_proof"', false],
    ['DPoP', false],
    ['', false],
  ] as const)('WWW-Authenticate: %s → %s', ([value, challenged]) => {
    expect(resourceNonceChallenge(401, headers({ 'www-authenticate': value, 'dpop-nonce': NONCE }))).toBe(challenged ? NONCE : null);
  });

  it('needs a 401 and a well-formed DPoP-Nonce', () => {
    const challenge = 'DPoP error="use_dpop_nonce"';
    expect(resourceNonceChallenge(403, headers({ 'www-authenticate': challenge, 'dpop-nonce': NONCE }))).toBeNull();
    expect(resourceNonceChallenge(401, headers({ 'www-authenticate': challenge }))).toBeNull();
    expect(resourceNonceChallenge(401, headers({ 'www-authenticate': challenge, 'dpop-nonce': 'has space' }))).toBeNull();
    expect(resourceNonceChallenge(401, headers({ 'www-authenticate': challenge, 'dpop-nonce': 'quote"d' }))).toBeNull();
  });
});

describe('an authorization server nonce challenge', () => {
  it('is a 400 with error use_dpop_nonce in the JSON body and a DPoP-Nonce', () => {
    const h = headers({ 'dpop-nonce': NONCE });
    expect(authorizationNonceChallenge(400, { error: 'use_dpop_nonce', error_description: 'nonce is required in the DPoP proof' }, h)).toBe(NONCE);
    expect(authorizationNonceChallenge(401, { error: 'use_dpop_nonce' }, h)).toBeNull();
    expect(authorizationNonceChallenge(400, { error: 'invalid_grant' }, h)).toBeNull();
    expect(authorizationNonceChallenge(400, 'use_dpop_nonce', h)).toBeNull();
    expect(authorizationNonceChallenge(400, null, h)).toBeNull();
    expect(authorizationNonceChallenge(400, { error: 'use_dpop_nonce' }, headers({}))).toBeNull();
  });
});

describe('the binding remembers nonces', () => {
  const make = () => {
    const warnings: string[] = [];
    return { warnings, b: dpop({ keyStore: memoryKeyStore(), onWarning: (m) => warnings.push(m) }) };
  };
  const nonceIn = async (b: ReturnType<typeof dpop>, url: string) => decodeJwt(await b.proof({ method: 'GET', url })).nonce;

  it('per origin, from every response carrying DPoP-Nonce (a 200 too), the newest winning, and puts it in later proofs', async () => {
    const { b, warnings } = make();
    expect(await nonceIn(b, 'https://api.example.com/x')).toBeUndefined();
    expect(b.observe({ url: 'https://api.example.com/a?q', status: 200, header: headers({ 'dpop-nonce': 'n1' }) })).toBe(false);
    expect(await nonceIn(b, 'https://api.example.com/other/path')).toBe('n1');
    expect(await nonceIn(b, 'https://API.example.com:443/x')).toBe('n1'); // the same origin
    expect(await nonceIn(b, 'https://api.example.com:8443/x')).toBeUndefined(); // another origin
    expect(await nonceIn(b, 'http://api.example.com/x')).toBeUndefined();
    b.observe({ url: 'https://api.example.com/b', status: 204, header: headers({ 'dpop-nonce': 'n2' }) });
    expect(await nonceIn(b, 'https://api.example.com/x')).toBe('n2');
    b.observe({ url: 'https://api.example.com/b', status: 200, header: headers({}) }); // no header: kept
    expect(b.nonce('https://api.example.com/')).toBe('n2');
    expect(warnings).toEqual([]);
  });

  it('says a response is a challenge worth one retry only for the RS 401 and the AS 400 forms, and remembers their nonce', async () => {
    const { b } = make();
    expect(b.observe({ url: 'https://api.example.com/a', status: 401, header: headers({ 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'rs' }) })).toBe(true);
    expect(b.observe({ url: 'https://as.example.com/token', status: 400, body: { error: 'use_dpop_nonce' }, header: headers({ 'dpop-nonce': 'as' }) })).toBe(true);
    expect(b.observe({ url: 'https://api.example.com/a', status: 401, header: headers({ 'www-authenticate': 'DPoP error="invalid_token"', 'dpop-nonce': 'rs2' }) })).toBe(false);
    expect(b.observe({ url: 'https://as.example.com/token', status: 400, body: { error: 'invalid_grant' }, header: headers({}) })).toBe(false);
    expect([b.nonce('https://api.example.com/'), b.nonce('https://as.example.com/')]).toEqual(['rs2', 'as']);
  });

  it('ignores a DPoP-Nonce that is not a nonce, and says so once per origin', async () => {
    const { b, warnings } = make();
    b.observe({ url: 'https://api.example.com/a', status: 200, header: headers({ 'dpop-nonce': 'good' }) });
    b.observe({ url: 'https://api.example.com/a', status: 200, header: headers({ 'dpop-nonce': 'bad nonce' }) });
    b.observe({ url: 'https://api.example.com/b', status: 200, header: headers({ 'dpop-nonce': 'bad"again' }) });
    expect(b.nonce('https://api.example.com/')).toBe('good');
    expect(warnings).toEqual(['dpop: https://api.example.com sent a DPoP-Nonce that is not a nonce (RFC 9449 §8.1); it is ignored']);
  });

  it('ignores the nonce of a response whose origin it cannot tell (an empty URL from a mock, in Node), saying so once', () => {
    const { b, warnings } = make();
    const challenge = headers({ 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n1' });
    expect(b.observe({ url: '', status: 401, header: challenge })).toBe(false); // a retry could not carry it
    expect(b.observe({ url: '/relative', status: 401, header: challenge })).toBe(false);
    expect(b.toJSON().nonces).toEqual([]);
    expect(warnings).toEqual(['dpop: cannot tell which origin answered (""); pass the request\'s absolute URL to observe(), its DPoP-Nonce is ignored']);
  });

  it('keeps the 32 most recently heard origins', () => {
    const { b } = make();
    for (let i = 0; i < 40; i++) b.observe({ url: `https://s${i}.example.com/`, status: 200, header: headers({ 'dpop-nonce': `n${i}` }) });
    b.observe({ url: 'https://s8.example.com/', status: 200, header: headers({ 'dpop-nonce': 'again' }) }); // heard again: the newest
    b.observe({ url: 'https://s40.example.com/', status: 200, header: headers({ 'dpop-nonce': 'n40' }) });
    expect(b.toJSON().nonces).toHaveLength(32);
    expect(b.nonce('https://s9.example.com/')).toBeNull();
    expect(b.nonce('https://s8.example.com/')).toBe('again');
    expect(b.nonce('https://s10.example.com/')).toBe('n10');
  });
});
