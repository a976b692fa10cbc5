import { describe, expect, it, onTestFinished } from 'vitest';
import { dpop, memoryKeyStore, type DpopBinding } from '../../src/dpop.js';
import { dpopResourceServer, type DpopResourceServerOptions } from '../helpers/dpopResourceServer.js';

// Proofs made by the binding against a resource server that verifies each one (jose, node:http
// on 127.0.0.1; test/helpers/dpopResourceServer.ts): what we make is accepted, and what an
// attacker could do with a proof or a token is refused — each for its own reason.

async function setup(options: DpopResourceServerOptions = {}) {
  const rs = await dpopResourceServer(options);
  onTestFinished(() => rs.close());
  const binding = dpop({ keyStore: memoryKeyStore() });
  const token = await rs.mint(await binding.thumbprint());
  return { rs, binding, token };
}

/** Sends `method url` with `Authorization: DPoP token` and the given proof (none: no DPoP header). */
async function send(method: string, url: string, token: string, proof: string | null, scheme = 'DPoP') {
  const headers: Record<string, string> = { authorization: `${scheme} ${token}` };
  if (proof !== null) headers.dpop = proof;
  return fetch(url, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }) });
}

const prove = (b: DpopBinding, method: string, url: string, accessToken?: string) => b.proof({ method, url, accessToken });

describe('a resource server that verifies every proof', () => {
  // (A lower-case "patch", which fetch sends as written and the binding proves as written, is
  // covered in proof.test.ts: node:http refuses such a request line with a 400 before any handler.)
  it('accepts a proof for every method and URL form, each request with its own', async () => {
    const { rs, binding, token } = await setup();
    const cases: Array<[string, string]> = [
      ['GET', `${rs.url}me`],
      ['POST', `${rs.url}items?draft=1#top`],
      ['PUT', `${rs.url}items/%7e1`],
      ['DELETE', `${rs.url}items/a%2fb`],
      ['PATCH', `${rs.url}items/./1/../2`],
      ['GET', rs.url.slice(0, -1)], // no path at all: htu ends in "/"
      ['OPTIONS', `${rs.url}x`],
    ];
    for (const [method, url] of cases) {
      const res = await send(method, url, token, await prove(binding, method, url, token));
      expect(res.status, `${method} ${url}`).toBe(200);
    }
    expect(rs.verdicts()).toEqual({ ok: cases.length });
  });

  it('binds the token: the response names the key the token was issued to', async () => {
    const { rs, binding, token } = await setup();
    const res = await send('GET', `${rs.url}me`, token, await prove(binding, 'GET', `${rs.url}me`, token));
    expect(await res.json()).toEqual({ sub: 'alice', jkt: await binding.thumbprint(), method: 'GET', path: '/me' });
  });

  it.for([
    ['a proof for another URL', 'htu', async (b: DpopBinding, url: string, token: string) => prove(b, 'GET', `${url}elsewhere`, token)],
    ['a proof for another origin', 'htu', async (b: DpopBinding, url: string, token: string) => prove(b, 'GET', url.replace('127.0.0.1', 'localhost'), token)],
    ['a proof for another method', 'htm', async (b: DpopBinding, url: string, token: string) => prove(b, 'POST', url, token)],
    ['a proof for a method the request does not use', 'htm', async (b: DpopBinding, url: string, token: string) => prove(b, 'PROPFIND', url, token)],
    ['a proof for another token', 'ath', async (b: DpopBinding, url: string, token: string) => prove(b, 'GET', url, `${token}.other`)],
    ['a token-endpoint proof (no ath)', 'ath', async (b: DpopBinding, url: string) => prove(b, 'GET', url)],
    ['a proof by another key', 'jkt', async (_b: DpopBinding, url: string, token: string) => prove(dpop({ keyStore: memoryKeyStore() }), 'GET', url, token)],
  ] as const)('refuses %s (%s)', async ([, verdict, make]) => {
    const { rs, binding, token } = await setup();
    const url = `${rs.url}me`;
    expect((await send('GET', url, token, await make(binding, url, token))).status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual([verdict]);
  });

  it('refuses a proof sent twice (jti replay): a copied proof is good for one request', async () => {
    const { rs, binding, token } = await setup();
    const url = `${rs.url}me`;
    const proof = await prove(binding, 'GET', url, token);
    expect((await send('GET', url, token, proof)).status).toBe(200);
    expect((await send('GET', url, token, proof)).status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual(['ok', 'jti-replay']);
  });

  it('refuses the token without a proof, and sent as Bearer with or without one', async () => {
    const { rs, binding, token } = await setup();
    const url = `${rs.url}me`;
    expect((await send('GET', url, token, null)).status).toBe(401);
    expect((await send('GET', url, token, await prove(binding, 'GET', url, token), 'Bearer')).status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual(['proof-count', 'bearer']);
  });

  it('refuses a token bound to no key, and one minted for another key, even with a good proof', async () => {
    const { rs, binding } = await setup();
    const url = `${rs.url}me`;
    for (const token of [await rs.mint(null), await rs.mint(await dpop({ keyStore: memoryKeyStore() }).thumbprint())]) {
      expect((await send('GET', url, token, await prove(binding, 'GET', url, token))).status).toBe(401);
    }
    expect(rs.log.map((s) => s.verdict)).toEqual(['jkt', 'jkt']);
  });

  it('refuses a proof whose claims or header were altered after signing, or that carries a private key', async () => {
    const { rs, binding, token } = await setup();
    const url = `${rs.url}me`;
    const [h, p, s] = (await prove(binding, 'GET', url, token)).split('.') as [string, string, string];
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { jwk: Record<string, unknown> };
    const variants = [
      `${h}.${enc({ ...claims, htu: `${url}x` })}.${s}`, // re-targeted, signature kept
      `${enc({ ...header, typ: 'JWT' })}.${p}.${s}`,
      `${enc({ ...header, alg: 'HS256' })}.${p}.${s}`,
      `${enc({ ...header, jwk: { ...header.jwk, d: 'AAAA' } })}.${p}.${s}`,
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
    ];
    for (const proof of variants) expect((await send('GET', url, token, proof)).status).toBe(401);
    expect(rs.log.map((x) => x.verdict)).toEqual(['signature', 'typ', 'alg', 'jwk', 'signature']);
  });

  it('refuses a proof older or newer than its iat window (a server clock an hour away)', async () => {
    let clock = Date.now();
    const { rs, binding, token } = await setup({ now: () => clock, iatWindow: 60 });
    const url = `${rs.url}me`;
    clock += 3_600_000;
    expect((await send('GET', url, token, await prove(binding, 'GET', url, token))).status).toBe(401);
    clock -= 7_200_000;
    expect((await send('GET', url, token, await prove(binding, 'GET', url, token))).status).toBe(401);
    clock += 3_600_000 + 59_000;
    expect((await send('GET', url, token, await prove(binding, 'GET', url, token))).status).toBe(200);
    expect(rs.log.map((x) => x.verdict)).toEqual(['iat', 'iat', 'ok']);
  });
});

describe('nonces at the resource server', () => {
  it('a challenge is recognised, the nonce remembered, and one retry with a new proof is accepted; later requests need no retry', async () => {
    const { rs, binding, token } = await setup({ requireNonce: true });
    const url = `${rs.url}me`;
    const first = await send('GET', url, token, await prove(binding, 'GET', url, token));
    expect(first.status).toBe(401);
    expect(binding.observe({ url: first.url, status: first.status, header: (n) => first.headers.get(n) })).toBe(true);
    expect(binding.nonce(url)).toBe(rs.nonce());
    const retry = await send('GET', url, token, await prove(binding, 'GET', url, token));
    expect(retry.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await send('GET', `${url}/${i}`, token, await prove(binding, 'GET', `${url}/${i}`, token));
      expect(binding.observe({ url: res.url, status: res.status, header: (n) => res.headers.get(n) })).toBe(false);
      expect(res.status).toBe(200);
    }
    expect(rs.log.map((x) => x.verdict)).toEqual(['nonce', 'ok', 'ok', 'ok', 'ok']);
    expect(rs.log.map((x) => x.proof?.nonce)).toEqual([undefined, rs.nonce(), rs.nonce(), rs.nonce(), rs.nonce()]);
  });

  it('a nonce that changes on every answer is followed: each request uses the one the previous response carried', async () => {
    const { rs, binding, token } = await setup({ requireNonce: true, rotateNonce: true });
    const url = `${rs.url}me`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      let res = await send('GET', url, token, await prove(binding, 'GET', url, token));
      if (binding.observe({ url: res.url, status: res.status, header: (n) => res.headers.get(n) })) {
        res = await send('GET', url, token, await prove(binding, 'GET', url, token));
        binding.observe({ url: res.url, status: res.status, header: (n) => res.headers.get(n) });
      }
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(rs.log.map((x) => x.verdict)).toEqual(['nonce', 'ok', 'ok', 'ok', 'ok', 'ok']); // one challenge, at the start
  });

  it('the refusals of a proof are not nonce challenges (a retry would not help)', async () => {
    const { rs, binding, token } = await setup({ requireNonce: true });
    const url = `${rs.url}me`;
    const res = await send('GET', url, token, await prove(binding, 'POST', url, token));
    expect(res.status).toBe(401);
    expect(binding.observe({ url: res.url, status: res.status, header: (n) => res.headers.get(n) })).toBe(false);
  });
});

