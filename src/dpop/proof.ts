import { asciiBytes, b64u, b64uJson, subtle } from './encoding.js';
import type { DpopKeyPair } from './key.js';

/** What one proof says (RFC 9449 §4.2), before it is signed. */
export interface ProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath?: string;
  nonce?: string;
}

// The methods fetch upper-cases (Fetch standard, "normalize a method"); any other method goes
// on the wire exactly as written ("patch" stays "patch"), and the proof must say the same.
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The method as it goes on the wire: `htm`. */
export function htm(method: string): string {
  if (!TOKEN.test(method)) throw new TypeError(`DPoP: "${method.slice(0, 20)}" is not an HTTP method`);
  const upper = method.toUpperCase();
  return NORMALIZED.has(upper) ? upper : method;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The request's URL as `htu`: no query, no fragment, no user info, normalized the way RFC 9449
 * §4.3 asks servers to compare (RFC 3986 §6.2.2 and §6.2.3): WHATWG parsing lower-cases the
 * scheme and host, drops a default port, resolves dot segments and gives an empty path "/";
 * then percent-encodings are upper-cased and those of unreserved characters decoded.
 */
export function htu(url: URL): string {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`DPoP: proofs are for http(s) requests, not ${url.protocol}`);
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

// Random bytes drawn 512 at a time: one getRandomValues per 32 proofs (each call costs ~15 µs in
// Node). A jti only has to be unique, not secret.
const pool = new Uint8Array(512);
let drawn = pool.length;

/** 128 random bits, base64url: a proof's `jti`. */
export function newJti(): string {
  if (drawn === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    drawn = 0;
  }
  return b64u(pool.subarray(drawn, (drawn += 16)));
}

/** Signs `claims` with the pair's private key under the already encoded `header` (ES256, JWS compact). */
export async function signProof(pair: DpopKeyPair, header: string, claims: ProofClaims): Promise<string> {
  const input = `${header}.${b64uJson(claims)}`;
  // WebCrypto's ECDSA signature is r || s, 64 bytes: exactly the JWS form (RFC 7518 §3.4)
  const signature = await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey as CryptoKey, asciiBytes(input));
  return `${input}.${b64u(signature)}`;
}
