import { b64uJson, sha256, subtle } from './encoding.js';

/**
 * A WebCrypto key as the library reads it. The DOM's `CryptoKey` and Node's
 * `webcrypto.CryptoKey` both fit, so the types need no DOM lib.
 *
 * @example
 * const key: DpopCryptoKey = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])).privateKey;
 */
export interface DpopCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

/**
 * An ES256 key pair (a `CryptoKeyPair`): what a `DpopKeyStore` keeps.
 *
 * @example
 * const pair: DpopKeyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
 */
export interface DpopKeyPair {
  readonly privateKey: DpopCryptoKey;
  readonly publicKey: DpopCryptoKey;
}

/**
 * The public half of the key as a JWK: the only key material a proof (or anything else) shows.
 *
 * @example
 * const { kty, crv, x, y }: DpopPublicJwk = await binding.publicJwk();
 */
export interface DpopPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A new ES256 key pair; the private key cannot be exported, not even by this library. */
export async function generateKeyPair(): Promise<DpopKeyPair> {
  return subtle().generateKey(ES256, false, ['sign', 'verify']);
}

const isP256 = (key: unknown, type: string): key is DpopCryptoKey => {
  if (typeof key !== 'object' || key === null) return false;
  const k = key as Partial<DpopCryptoKey> & { algorithm?: { name?: unknown; namedCurve?: unknown } };
  return k.type === type && k.algorithm?.name === 'ECDSA' && k.algorithm.namedCurve === 'P-256' && Array.isArray(k.usages);
};

/**
 * True for an ECDSA P-256 pair whose private half can sign and whose public half can be
 * exported (for the proof's jwk): what a store may hand back and the binding can use.
 */
export function isKeyPair(value: unknown): value is DpopKeyPair {
  if (typeof value !== 'object' || value === null) return false;
  const { privateKey, publicKey } = value as Partial<DpopKeyPair>;
  return isP256(privateKey, 'private') && privateKey.usages.includes('sign') && isP256(publicKey, 'public') && publicKey.extractable;
}

/** The public JWK with exactly the members RFC 7518 §6.2.1 needs (never `d`, `key_ops` or `ext`). */
export async function publicJwk(pair: DpopKeyPair): Promise<DpopPublicJwk> {
  const { x, y } = await subtle().exportKey('jwk', pair.publicKey as CryptoKey);
  if (typeof x !== 'string' || typeof y !== 'string') throw new TypeError('the DPoP public key did not export as an EC JWK');
  return { kty: 'EC', crv: 'P-256', x, y };
}

/**
 * The JWK thumbprint (RFC 7638): SHA-256 of the required members in lexicographic order, no
 * whitespace — what a server puts in `cnf.jkt` and what `dpop_jkt` (RFC 9449 §10) carries.
 */
export function jwkThumbprint(jwk: DpopPublicJwk): Promise<string> {
  return sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
}

/** The protected header every proof of this key carries, already encoded (it never changes). */
export const proofHeader = (jwk: DpopPublicJwk): string => b64uJson({ typ: 'dpop+jwt', alg: 'ES256', jwk });
