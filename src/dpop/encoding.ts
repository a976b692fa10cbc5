// base64url without padding (RFC 7515 §2), for JWS segments, thumbprints and `ath`.

const utf8 = new TextEncoder();

/** `bytes` as base64url without padding. */
export function b64u(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** A JSON value as one base64url JWS segment (UTF-8). */
export const b64uJson = (value: unknown): string => b64u(utf8.encode(JSON.stringify(value)));

/** base64url(SHA-256(UTF-8 `text`)): `ath` of an access token, and a JWK thumbprint. */
export async function sha256(text: string): Promise<string> {
  return b64u(await subtle().digest('SHA-256', utf8.encode(text)));
}

/** ASCII/UTF-8 bytes of `text` (the JWS signing input). */
export const bytesOf = (text: string): Uint8Array<ArrayBuffer> => utf8.encode(text);

/**
 * WebCrypto's SubtleCrypto. Browsers give it only to secure contexts (https, or http on
 * localhost); without it there is no key to bind tokens to, so this throws, naming the remedy.
 */
export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new TypeError('DPoP needs WebCrypto (crypto.subtle), which a browser gives only to pages served over https or from localhost');
  return s;
}
