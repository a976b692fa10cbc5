import { defaultWarn } from '../machine/util.js';
import { authorizationNonceChallenge, malformedNonce, nonceOf, resourceNonceChallenge } from './challenge.js';
import { sha256 } from './encoding.js';
import { generateKeyPair, isKeyPair, jwkThumbprint, proofHeader, publicJwk, type DpopKeyPair, type DpopPublicJwk } from './key.js';
import { memoryKeyStore } from './keyStore.js';
import { indexedDbKeyStore } from './indexedDbKeyStore.js';
import { htm, htu, newJti, signProof, type ProofClaims } from './proof.js';
import type { DpopBinding, DpopOptions } from './types.js';
import { SIDE } from '../machine/sessionDpop.js';
import { sessionSide } from './sessionSide.js';

interface Key {
  pair: DpopKeyPair;
  jwk: DpopPublicJwk;
  header: string;
  thumbprint?: Promise<string>;
}

const MAX_ORIGINS = 32;

/**
 * Creates the DPoP binding: a key per session, proofs, and the nonces servers hand out.
 *
 * @example
 * import { dpop } from 'silent-session/dpop';
 * const binding = dpop();                                  // IndexedDB in browsers, memory in Node
 * const jkt = await binding.thumbprint();                  // dpop_jkt for the authorization request
 * const proof = await binding.proof({ method: 'POST', url: tokenEndpoint }); // no ath at the token endpoint
 */
export function dpop(options: DpopOptions = {}): DpopBinding {
  const warn = options.onWarning ?? defaultWarn;
  const now = options.now ?? Date.now;
  const given = options.keyStore;
  let store = given ?? ((globalThis as { indexedDB?: unknown }).indexedDB ? indexedDbKeyStore() : memoryKeyStore());
  let name = options.name ?? 'silent-session';
  let attached = options.name !== undefined;
  const nonces = new Map<string, string>();
  const warned = new Set<string>();
  const warnOnce = (topic: string, message: string) => {
    if (warned.has(topic)) return;
    warned.add(topic);
    warn(message);
  };
  let lastToken = '';
  let lastAth: Promise<string> = Promise.resolve('');

  const prepare = async (pair: DpopKeyPair): Promise<Key> => {
    if (pair.privateKey.extractable) {
      warnOnce('extractable', `dpop: the key store "${store.kind ?? 'custom'}" returned an extractable private key, which a script in the page could copy; let the binding make its keys (rotate())`);
    }
    const jwk = await publicJwk(pair);
    return { pair, jwk, header: proofHeader(jwk) };
  };

  // The default IndexedDB store can be unavailable (a private window, a blocked database): the
  // session then still works in this tab, on a key that lives as long as the page.
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (given !== undefined || store.kind !== 'indexedDB') throw error;
      warnOnce('store', `dpop: IndexedDB failed (${error instanceof Error ? error.name : String(error)}); the key lives in this page's memory: it is lost on reload and other tabs cannot use tokens bound to it. Pass dpop({ keyStore }) to keep it elsewhere`);
      store = memoryKeyStore();
      return work();
    }
  };

  const loadOrCreate = async (): Promise<Key> => {
    const stored = await guarded(() => store.load(name));
    if (isKeyPair(stored)) return prepare(stored);
    const fresh = await generateKeyPair();
    if (stored != null) {
      warnOnce('garbage', `dpop: the key store held something that is not an ES256 key pair under "${name}"; a new key replaces it`);
      await guarded(() => store.save(name, fresh));
      return prepare(fresh);
    }
    const add = store.add?.bind(store);
    const saved = add ? await guarded(() => add(name, fresh)) : (await guarded(() => store.save(name, fresh)), await guarded(() => store.load(name)));
    return prepare(isKeyPair(saved) ? saved : fresh);
  };

  let current: Promise<Key> | null = null;
  const settle = (work: Promise<Key>): Promise<Key> => {
    current = work;
    work.catch(() => {
      if (current === work) current = null; // a failed load is tried again by the next proof
    });
    return work;
  };
  const key = (): Promise<Key> => current ?? settle(loadOrCreate());
  const thumbprintOf = (k: Key) => (k.thumbprint ??= jwkThumbprint(k.jwk));
  const origin = (url: string | URL): URL => {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    return new URL(url, base);
  };
  // The origin that answered; null (said once) when it cannot be told: its nonce is not kept.
  const answeredBy = (url: string | URL): string | null => {
    try {
      return origin(url).origin;
    } catch {
      warnOnce('answered', `dpop: cannot tell which origin answered ("${String(url).slice(0, 40)}"); pass the request's absolute URL to observe(), its DPoP-Nonce is ignored`);
      return null;
    }
  };

  const binding: DpopBinding = {
    tokenType: 'DPoP',
    attach(storageKey) {
      if (storageKey === name || options.name !== undefined) return;
      // A key already in use stays: tokens may be bound to it (a login made before the session existed).
      if (attached || current !== null) {
        warnOnce('attach', `dpop: this binding already uses the key "${name}", so it keeps it rather than "${storageKey}"; give each session its own dpop(), created before its first proof (or pass dpop({ name }))`);
      } else name = storageKey;
      attached = true;
    },
    async proof(request) {
      const url = origin(request.url);
      const claims: ProofClaims = { jti: newJti(), htm: htm(request.method), htu: htu(url), iat: Math.floor(now() / 1000) };
      const { accessToken } = request;
      if (accessToken !== undefined) {
        // one SHA-256 per token, not per request
        if (accessToken !== lastToken) (lastToken = accessToken), (lastAth = sha256(accessToken));
        claims.ath = await lastAth;
      }
      const nonce = nonces.get(url.origin);
      if (nonce !== undefined) claims.nonce = nonce;
      const k = await key();
      return signProof(k.pair, k.header, claims);
    },
    observe(response) {
      const { status, header } = response;
      const at = answeredBy(response.url);
      if (at === null) return false; // a retry could not carry the nonce
      const nonce = nonceOf(header);
      if (nonce !== null) {
        nonces.delete(at); // most recent last: the oldest origin is dropped first
        nonces.set(at, nonce);
        if (nonces.size > MAX_ORIGINS) nonces.delete(nonces.keys().next().value as string);
      } else if (malformedNonce(header)) warnOnce(`nonce ${at}`, `dpop: ${at} sent a DPoP-Nonce that is not a nonce (RFC 9449 §8.1); it is ignored`);
      return resourceNonceChallenge(status, header) !== null || authorizationNonceChallenge(status, response.body, header) !== null;
    },
    nonce: (url) => nonces.get(origin(url).origin) ?? null,
    thumbprint: () => key().then(thumbprintOf),
    publicJwk: () => key().then((k) => ({ ...k.jwk })),
    rotate() {
      const next = settle(
        (async () => {
          const pair = await generateKeyPair();
          await guarded(() => store.save(name, pair));
          return prepare(pair);
        })(),
      );
      return next.then(thumbprintOf);
    },
    async clear() {
      current = null;
      lastToken = '';
      lastAth = Promise.resolve('');
      await guarded(() => store.delete(name));
    },
    reload() {
      current = null;
    },
    toJSON: () => ({ alg: 'ES256', key: name, keyStore: store.kind ?? 'custom', nonces: [...nonces.keys()] }),
  };
  Object.defineProperty(binding, Symbol.for('nodejs.util.inspect.custom'), { value: () => binding.toJSON() });
  // what a session's adapters ask of it (createSession({ dpop }))
  Object.defineProperty(binding, SIDE, { value: (retried: (origin: string) => void) => sessionSide(binding, retried) });
  return binding;
}
