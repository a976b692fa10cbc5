// base64url without padding (RFC 7515 §2), for JWS segments, thumbprints and `ath`. A proof is
// ASCII throughout (base64url segments, a URL as the URL parser serializes it, a nonce of
// printable ASCII), so it goes through btoa without TextEncoder, which costs more than the
// rest of a proof's encoding in Chromium.

const utf8 = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;

/** A Latin-1 string (one byte per character) as base64url. */
const b64uText = (latin1: string): string => btoa(latin1).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/** `bytes` as base64url without padding. */
export function b64u(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return b64uText(String.fromCharCode(...view)); // small inputs only: a signature, a hash, a jti
}

/** A JSON value as one base64url JWS segment (its UTF-8 bytes). */
export function b64uJson(value: unknown): string {
  const json = JSON.stringify(value);
  return ASCII.test(json) ? b64uText(json) : b64u(utf8.encode(json));
}

/** base64url(SHA-256(UTF-8 `text`)): `ath` of an access token, and a JWK thumbprint. */
export async function sha256(text: string): Promise<string> {
  return b64u(await subtle().digest('SHA-256', utf8.encode(text)));
}

/** The bytes of an ASCII string (a JWS signing input). */
export function asciiBytes(ascii: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(ascii.length);
  for (let i = 0; i < ascii.length; i++) bytes[i] = ascii.charCodeAt(i);
  return bytes;
}

/**
 * WebCrypto's SubtleCrypto. Browsers give it only to secure contexts (https, or http on
 * localhost); without it there is no key to bind tokens to, so this throws, naming the remedy.
 */
export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new TypeError('DPoP needs WebCrypto (crypto.subtle), which a browser gives only to pages served over https or from localhost');
  return s;
}
