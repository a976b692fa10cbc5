import { inspect } from 'node:util';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { dpop, indexedDbKeyStore, memoryKeyStore, type DpopKeyPair, type DpopKeyStore } from '../../src/dpop.js';

// The key's life: made once and reused, replaced at login (rotate), deleted at logout (clear),
// read again after another tab changed it (reload), named after the session's storage key, and
// never shown (only its public half).

const URL_ = 'https://api.example.com/me';
const jwkOf = async (proof: Promise<string>) => JSON.stringify(decodeProtectedHeader(await proof).jwk);

/** A memory store that counts calls and can see what it holds. */
function spyStore(options: { withAdd?: boolean } = {}) {
  const inner = memoryKeyStore();
  const calls: string[] = [];
  const store: DpopKeyStore & { held: (name: string) => Promise<DpopKeyPair | null | undefined> } = {
    kind: 'spy',
    held: (name) => inner.load(name),
    load: (name) => (calls.push(`load ${name}`), inner.load(name)),
    save: (name, pair) => (calls.push(`save ${name}`), inner.save(name, pair)),
    delete: (name) => (calls.push(`delete ${name}`), inner.delete(name)),
  };
  if (options.withAdd !== false) store.add = (name, pair) => (calls.push(`add ${name}`), (inner.add as NonNullable<DpopKeyStore['add']>)(name, pair));
  return { store, calls };
}

describe('the key', () => {
  it('is made once (store read once, one atomic add) however many proofs ask for it at the same time, and reused after', async () => {
    const { store, calls } = spyStore();
    const b = dpop({ keyStore: store });
    const jwks = await Promise.all(Array.from({ length: 50 }, () => jwkOf(b.proof({ method: 'GET', url: URL_ }))));
    expect(new Set(jwks).size).toBe(1);
    await b.proof({ method: 'GET', url: URL_ });
    expect(calls).toEqual(['load silent-session', 'add silent-session']);
  });

  it('is ECDSA P-256 with a private half nobody can export, not even through the store', async () => {
    const { store } = spyStore();
    const b = dpop({ keyStore: store });
    await b.thumbprint();
    const pair = (await store.held('silent-session')) as CryptoKeyPair;
    expect(pair.privateKey).toMatchObject({ type: 'private', extractable: false, algorithm: { name: 'ECDSA', namedCurve: 'P-256' }, usages: ['sign'] });
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow(/not extractable/);
    await expect(crypto.subtle.exportKey('pkcs8', pair.privateKey)).rejects.toThrow(/not extractable/);
  });

  it('survives a new binding on the same store (a reload) and is shared by two bindings on it (two tabs)', async () => {
    const { store } = spyStore();
    const first = await dpop({ keyStore: store }).thumbprint();
    const [a, b] = await Promise.all([dpop({ keyStore: store }).thumbprint(), dpop({ keyStore: store }).thumbprint()]);
    expect([a, b]).toEqual([first, first]);
  });

  it('two bindings that need a key at the same moment agree on one, through the store\'s atomic add', async () => {
    const { store, calls } = spyStore();
    const prints = await Promise.all(Array.from({ length: 5 }, () => dpop({ keyStore: store }).thumbprint()));
    expect(new Set(prints).size).toBe(1);
    expect(calls.filter((c) => c.startsWith('add'))).toHaveLength(5);
  });

  it('on a store without add, a binding saves its new key and uses what the store holds afterwards', async () => {
    const { store, calls } = spyStore({ withAdd: false });
    const b = dpop({ keyStore: store });
    const print = await b.thumbprint();
    expect(calls).toEqual(['load silent-session', 'save silent-session', 'load silent-session']);
    expect(await dpop({ keyStore: store }).thumbprint()).toBe(print);
  });

  it('rotate() replaces it in the store and in every later proof; the old one is gone', async () => {
    const { store, calls } = spyStore();
    const b = dpop({ keyStore: store });
    const before = await b.thumbprint();
    const oldPair = await store.held('silent-session');
    const after = await b.rotate();
    expect(after).not.toBe(before);
    expect(await b.thumbprint()).toBe(after);
    expect(await store.held('silent-session')).not.toBe(oldPair);
    expect(await dpop({ keyStore: store }).thumbprint()).toBe(after);
    expect(calls.filter((c) => c.startsWith('save'))).toEqual(['save silent-session']);
  });

  it('proofs asked for while rotate() runs use the new key', async () => {
    const b = dpop({ keyStore: memoryKeyStore() });
    const old = await b.publicJwk();
    const rotating = b.rotate();
    const during = await jwkOf(b.proof({ method: 'GET', url: URL_ }));
    await rotating;
    expect(during).toBe(JSON.stringify(await b.publicJwk()));
    expect(during).not.toBe(JSON.stringify(old));
  });

  it('clear() deletes it from the store; the next proof makes (and stores) a new one', async () => {
    const { store, calls } = spyStore();
    const b = dpop({ keyStore: store });
    const before = await b.thumbprint();
    await b.clear();
    expect(await store.held('silent-session')).toBeNull();
    expect(calls.at(-1)).toBe('delete silent-session');
    const after = await b.thumbprint();
    expect(after).not.toBe(before);
    expect(await dpop({ keyStore: store }).thumbprint()).toBe(after);
  });

  it('reload() makes the binding read the store again (another tab rotated the key)', async () => {
    const { store } = spyStore();
    const here = dpop({ keyStore: store });
    const there = dpop({ keyStore: store });
    await here.thumbprint();
    const rotated = await there.rotate();
    expect(await here.thumbprint()).not.toBe(rotated); // still the key it holds
    here.reload();
    expect(await here.thumbprint()).toBe(rotated);
  });

  it('is named after the session storage key it is attached to, or after the name option, one key per name', async () => {
    const { store, calls } = spyStore();
    const a = dpop({ keyStore: store });
    a.attach('app.session');
    const b = dpop({ keyStore: store });
    b.attach('other.session');
    const c = dpop({ keyStore: store, name: 'fixed' });
    c.attach('ignored.session');
    const [ta, tb, tc] = [await a.thumbprint(), await b.thumbprint(), await c.thumbprint()];
    expect(new Set([ta, tb, tc]).size).toBe(3);
    expect(calls.filter((x) => x.startsWith('load'))).toEqual(['load app.session', 'load other.session', 'load fixed']);
    expect(a.toJSON().key).toBe('app.session');
  });

  it('keeps the key it already used when attached late or twice, and says how to avoid it', async () => {
    const warnings: string[] = [];
    const { store } = spyStore();
    const early = dpop({ keyStore: store, onWarning: (m) => warnings.push(m) });
    const used = await early.thumbprint(); // e.g. dpop_jkt for a login before the session existed
    early.attach('app.session');
    expect(await early.thumbprint()).toBe(used);
    expect(early.toJSON().key).toBe('silent-session');
    const twice = dpop({ keyStore: store, onWarning: (m) => warnings.push(m) });
    twice.attach('one.session');
    twice.attach('two.session');
    expect(twice.toJSON().key).toBe('one.session');
    expect(warnings).toEqual([
      'dpop: this binding already uses the key "silent-session", so it keeps it rather than "app.session"; give each session its own dpop(), created before its first proof (or pass dpop({ name }))',
      'dpop: this binding already uses the key "one.session", so it keeps it rather than "two.session"; give each session its own dpop(), created before its first proof (or pass dpop({ name }))',
    ]);
  });

  it('replaces whatever else a store holds under its name (garbage, another algorithm, a public key only), saying so', async () => {
    const rsa = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify']);
    for (const held of ['{"not":"a key"}', { privateKey: 1, publicKey: 2 }, rsa, p384, { privateKey: p384.publicKey, publicKey: p384.publicKey }]) {
      const warnings: string[] = [];
      const { store } = spyStore();
      await store.save('silent-session', held as unknown as DpopKeyPair);
      const b = dpop({ keyStore: store, onWarning: (m) => warnings.push(m) });
      const jwk = JSON.parse(await jwkOf(b.proof({ method: 'GET', url: URL_ }))) as { crv: string };
      expect(jwk.crv).toBe('P-256');
      expect(await store.held('silent-session')).not.toBe(held);
      expect(warnings).toEqual(['dpop: the key store held something that is not an ES256 key pair under "silent-session"; a new key replaces it']);
    }
  });

  it('takes a pair made elsewhere whose public half has no usages (an imported public key), but not one whose public half cannot be exported', async () => {
    const made = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const spki = await crypto.subtle.exportKey('spki', made.publicKey);
    for (const [extractable, kept] of [[true, true], [false, false]] as const) {
      const publicKey = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, extractable, []);
      const warnings: string[] = [];
      const { store } = spyStore();
      await store.save('silent-session', { privateKey: made.privateKey, publicKey });
      const b = dpop({ keyStore: store, onWarning: (m) => warnings.push(m) });
      const jwk = await b.publicJwk();
      const original = await crypto.subtle.exportKey('jwk', made.publicKey);
      expect(jwk.x === original.x, `public half extractable ${extractable}`).toBe(kept);
      expect(warnings).toHaveLength(kept ? 0 : 1);
    }
  });

  it('warns once when a store hands it an extractable private key (a script could copy it)', async () => {
    const warnings: string[] = [];
    const { store } = spyStore();
    await store.save('silent-session', await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']));
    const b = dpop({ keyStore: store, onWarning: (m) => warnings.push(m) });
    await b.proof({ method: 'GET', url: URL_ });
    await b.proof({ method: 'GET', url: URL_ });
    expect(warnings).toEqual(['dpop: the key store "spy" returned an extractable private key, which a script in the page could copy; let the binding make its keys (rotate())']);
    await b.rotate();
    await b.proof({ method: 'GET', url: URL_ });
    expect(warnings).toHaveLength(1);
  });

  it('a store of the app that fails makes the proof fail with its error (nothing hidden), and the next proof tries again', async () => {
    let fail = true;
    const inner = memoryKeyStore();
    const store: DpopKeyStore = { ...inner, load: (name) => (fail ? Promise.reject(new Error('vault unreachable')) : inner.load(name)) };
    const b = dpop({ keyStore: store });
    await expect(b.proof({ method: 'GET', url: URL_ })).rejects.toThrow('vault unreachable');
    fail = false;
    await expect(b.proof({ method: 'GET', url: URL_ })).resolves.toMatch(/^ey/);
  });

  it('when the default IndexedDB fails (a private window, a blocked database), keeps the key in memory and says what that costs', async () => {
    const warnings: string[] = [];
    const opened: string[] = [];
    // an IndexedDB whose every open fails, as some private windows answer
    const failing = {
      open(name: string) {
        opened.push(name);
        const request = { error: new DOMException('no storage here', 'InvalidStateError'), onerror: null as null | (() => void) };
        queueMicrotask(() => request.onerror?.());
        return request;
      },
    };
    Object.defineProperty(globalThis, 'indexedDB', { value: failing, configurable: true });
    try {
      const b = dpop({ onWarning: (m) => warnings.push(m) });
      expect(b.toJSON().keyStore).toBe('indexedDB');
      const print = await b.thumbprint();
      expect(await b.thumbprint()).toBe(print);
      expect(b.toJSON().keyStore).toBe('memory');
      expect(opened).toEqual(['silent-session-dpop']);
      expect(warnings).toEqual([
        "dpop: IndexedDB failed (InvalidStateError); the key lives in this page's memory: it is lost on reload and other tabs cannot use tokens bound to it. Pass dpop({ keyStore }) to keep it elsewhere",
      ]);
    } finally {
      delete (globalThis as { indexedDB?: unknown }).indexedDB;
    }
  });

  it('an IndexedDB store the app chose where there is none fails the proof, naming the remedy (no silent fallback)', async () => {
    const b = dpop({ keyStore: indexedDbKeyStore(), onWarning: (m) => expect.fail(m) });
    await expect(b.proof({ method: 'GET', url: URL_ })).rejects.toThrow('DPoP: this environment has no IndexedDB; pass dpop({ keyStore: memoryKeyStore() })');
  });

  it('in Node, without a store given, keeps the key in memory', () => {
    expect(dpop().toJSON()).toEqual({ alg: 'ES256', key: 'silent-session', keyStore: 'memory', nonces: [] });
  });
});

describe('what the binding shows', () => {
  it('JSON, inspect and proofs hold no private key material, tokens or the key object — only the public jwk', async () => {
    // An extractable pair, so the test knows the private `d` it must never find.
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const { d } = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const store = memoryKeyStore();
    await store.save('silent-session', pair);
    const b = dpop({ keyStore: store, onWarning: () => {} });
    const token = 'access-token-that-must-not-show-0123456789';
    const proof = await b.proof({ method: 'GET', url: URL_, accessToken: token });
    b.observe({ url: URL_, status: 200, header: (n) => (n === 'dpop-nonce' ? 'server-nonce' : null) });
    const shown = [JSON.stringify(b), inspect(b, { depth: Infinity, showHidden: true }), proof, Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString()];
    for (const text of shown) {
      expect(text).not.toContain(String(d));
      expect(text).not.toContain(token);
      expect(text).not.toMatch(/CryptoKey|privateKey/);
    }
    expect(JSON.parse(JSON.stringify(b))).toEqual({ alg: 'ES256', key: 'silent-session', keyStore: 'memory', nonces: ['https://api.example.com'] });
    expect(Object.keys(await b.publicJwk()).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    // a copy: changing it changes no later proof
    const jwk = await b.publicJwk();
    jwk.x = 'changed';
    expect(await jwkOf(b.proof({ method: 'GET', url: URL_ }))).not.toContain('changed');
  });
});
