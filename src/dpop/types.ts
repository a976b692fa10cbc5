import type { DpopPort } from '../machine/ports.js';
import type { HeaderReader } from './challenge.js';
import type { DpopPublicJwk } from './key.js';
import type { DpopKeyStore } from './keyStore.js';

// The binding's public shape: what the session holds, and what the adapters and the token
// endpoint's callers (oauthRefresh, jsonRefresh, oauthRevoke) ask of it.

/**
 * Options for `dpop()`.
 *
 * @example
 * dpop({ keyStore: memoryKeyStore(), name: 'app.session', onWarning: (m) => log.warn(m) })
 */
export interface DpopOptions {
  /** Where the key pair lives (default: IndexedDB in browsers, memory elsewhere). */
  keyStore?: DpopKeyStore;
  /** The key's name in the store (default: the session's storage key, else `silent-session`). */
  name?: string;
  /** Where warnings go (default `console.warn`). */
  onWarning?: (message: string) => void;
  /** The clock for `iat`, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * One request to prove: what goes on the wire.
 *
 * @example
 * await binding.proof({ method: 'GET', url: 'https://api.example.com/me', accessToken })
 */
export interface DpopProofRequest {
  /** The method as sent (`htm`); fetch's upper-casing of GET, POST, … is applied, `patch` stays as is. */
  method: string;
  /** The request's final URL; query and fragment are left out of `htu`. Relative: against the page. */
  url: string | URL;
  /** The access token the request carries (`ath`); none for the token endpoint. */
  accessToken?: string | undefined;
}

/**
 * One response, as `DpopBinding.observe` reads it.
 *
 * @example
 * binding.observe({ url: res.url, status: res.status, header: (name) => res.headers.get(name) })
 */
export interface DpopResponse {
  /** The URL that answered (after redirects). */
  url: string | URL;
  status: number;
  header: HeaderReader;
  /** The parsed JSON body, when the caller has it (a token endpoint's error). */
  body?: unknown;
}

/**
 * What `JSON.stringify(binding)` (and Node's inspect) shows: nothing secret.
 *
 * @example
 * binding.toJSON() // { alg: 'ES256', key: 'app.session', keyStore: 'indexedDB', nonces: ['https://api.example.com'] }
 */
export interface DpopSummary {
  alg: 'ES256';
  key: string;
  keyStore: string;
  /** Origins whose nonce is remembered. */
  nonces: string[];
}

/**
 * Binds tokens to one non-extractable ES256 key (RFC 9449). The session holds one binding and
 * the adapters ask it for a proof per request; see the DPoP docs for the wiring.
 *
 * @example
 * const binding = dpop();
 * const proof = await binding.proof({ method: 'GET', url: 'https://api.example.com/me', accessToken });
 * const res = await fetch('https://api.example.com/me', { headers: { Authorization: `DPoP ${accessToken}`, DPoP: proof } });
 * if (binding.observe({ url: res.url, status: res.status, header: (n) => res.headers.get(n) })) { … retry once … }
 */
export interface DpopBinding extends DpopPort {
  readonly tokenType: 'DPoP';
  /** Names the key after the session's storage key (the session calls this); a `name` option wins. */
  attach(storageKey: string): void;
  /** A fresh proof (new `jti`, `iat` now, `ath` when a token is given, the origin's nonce if known). */
  proof(request: DpopProofRequest): Promise<string>;
  /**
   * Remembers the response's `DPoP-Nonce` for the origin that answered, and says whether the
   * response is a nonce challenge (a resource server's 401 or an authorization server's 400
   * `use_dpop_nonce`): then one retry with a new proof may succeed. Not a rejected token.
   */
  observe(response: DpopResponse): boolean;
  /** The nonce remembered for `url`'s origin, or null. */
  nonce(url: string | URL): string | null;
  /** The key's JWK thumbprint (RFC 7638): `cnf.jkt` of bound tokens, `dpop_jkt` of an authorization request. */
  thumbprint(): Promise<string>;
  /** The public half of the key (the only key material anything here shows). */
  publicJwk(): Promise<DpopPublicJwk>;
  /** A new key replaces the stored one (at login); resolves with its thumbprint. */
  rotate(): Promise<string>;
  /** Deletes the key (at logout and at a session's end); the next proof makes a new one. */
  clear(): Promise<void>;
  /** Forgets the key held in memory, so the next proof reads the store (another tab rotated it). */
  reload(): void;
  toJSON(): DpopSummary;
}
