// Refresh tokens as text: `<familyId>.<secret>` (16 and 32 random bytes, base64url). Only the
// SHA-256 of a token is stored. A child's secret is kept for the grace window sealed under its
// parent: XOR with SHA-256(label ‖ parent token), so only a holder of the parent can read it, and
// each parent seals exactly one child (a one-time pad). Web Crypto and standard JS only (runs in browsers).

const FAMILY_BYTES = 16;
const SECRET_BYTES = 32;
const SHAPE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;
const SEAL_LABEL = new TextEncoder().encode('silent-session/grace/v1\n');

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const random = (bytes: number) => crypto.getRandomValues(new Uint8Array(bytes));

/** A new family id (22 URL-safe characters). */
export const newFamilyId = (): string => toBase64Url(random(FAMILY_BYTES));

/** A new secret, and the token it makes in `familyId`. */
export function newToken(familyId: string): { token: string; secret: Uint8Array } {
  const secret = random(SECRET_BYTES);
  return { token: `${familyId}.${toBase64Url(secret)}`, secret };
}

/** The family id of a token of this module's shape; null for anything else. */
export function familyOf(token: unknown): string | null {
  return typeof token === 'string' && SHAPE.test(token) ? token.slice(0, token.indexOf('.')) : null;
}

/** What a store keeps instead of the token: SHA-256, base64url. */
export async function hashToken(token: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

// SHA-256(label ‖ parent): 32 bytes nobody without the parent's 256-bit secret can compute, and
// unrelated to the stored SHA-256(parent). One digest (an HMAC costs a key import more).
async function padOf(parent: string): Promise<Uint8Array> {
  const text = new TextEncoder().encode(parent);
  const input = new Uint8Array(SEAL_LABEL.length + text.length);
  input.set(SEAL_LABEL);
  input.set(text, SEAL_LABEL.length);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input));
}

const xor = (a: Uint8Array, b: Uint8Array) => a.map((value, i) => value ^ (b[i] ?? 0));

/** The child's secret, readable only with the parent token. */
export async function seal(parent: string, childSecret: Uint8Array): Promise<string> {
  return toBase64Url(xor(childSecret, await padOf(parent)));
}

/** The child token sealed under `parent` (same family). */
export async function unseal(parent: string, sealed: string): Promise<string> {
  const secret = xor(fromBase64Url(sealed), await padOf(parent));
  return `${parent.slice(0, parent.indexOf('.'))}.${toBase64Url(secret)}`;
}
