import fc from 'fast-check';
import { expect } from 'vitest';
import { createSession, memoryStorage, type Session } from '../../src/index.js';

// The property behind DESIGN rule 5: whatever string an app passes, the token is attached
// exactly when the URL the transport will request (WHATWG URL parsing, the same base, after
// the client's own URL handling) is on an allowed origin. Each client sends into a capturing
// transport; the oracle resolves what it captured the way the real transport would.

export const PAGE = 'https://app.example.com/app/';
export const RUNS = 1_500;

/** Pieces that URL parsers disagree about: slashes of every kind, control characters, dots, userinfo. */
export const PIECES = [
  '/', '//', '\\', '@', '%', '%2f', '%5C', '%2e', '#', '?', ':', '\t', '\r', '\n', ' ', '\f', '\u0000', '\u001f',
  '.', '..', '\u3002', '\uff0e', '\uff61', '\uff0f', '\uff3c', '\uff20', '\uff1a', '\u3000', '\u00a0', '\u00ad',
  'evil.test', 'EVIL.test', 'api.example.com', 'app.example.com', 'files.example.com', 'xn--e1afmkfd', 'пример',
  'http:', 'https:', 'HTTPS:', 'a', '8443', ':443', ':80',
];
export const input = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 9 }).map((a) => a.join('')),
  fc
    .tuple(fc.constantFrom('', '/', '//', '\\\\', '/\\', 'https://', 'http://', 'https:', ' ', '\t'), fc.array(fc.constantFrom(...PIECES), { maxLength: 7 }))
    .map(([head, rest]) => head + rest.join('')),
  fc.string({ unit: 'grapheme', maxLength: 14 }),
);

export function tryUrl(value: string, base?: string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}

export function loggedIn(): Session {
  const session = createSession({ refresh: async () => ({ accessToken: 'never-used', expiresIn: 60 }), storage: memoryStorage(), wake: false });
  session.login({ accessToken: 'the-token', refreshToken: 'r', expiresIn: 3_600 });
  return session;
}
export const OURS = 'Bearer the-token';

/** What the transport was asked to send. */
export interface Captured {
  url: string;
  authorization: string | null;
}

export function capturingFetch(into: Captured[]): typeof fetch {
  return async (target, init) => {
    if (target instanceof Request) into.push({ url: target.url, authorization: target.headers.get('authorization') });
    else into.push({ url: String(target), authorization: new Headers(init?.headers).get('authorization') });
    return new Response('{}', { headers: { 'content-type': 'application/json' } });
  };
}

/** Checks one request: the token went out exactly when the URL the transport requests is allowed. */
export function judge(captured: Captured | undefined, transportUrl: URL | null, allowed: (url: URL) => boolean, stats: { refused: number; attached: number }) {
  if (captured === undefined) return; // the client itself refused the input
  const mayHaveIt = transportUrl !== null && allowed(transportUrl);
  if (captured.authorization === OURS) stats.attached++;
  else if (transportUrl !== null) stats.refused++;
  expect({ input: captured.url, where: transportUrl?.href ?? null, token: captured.authorization === OURS }).toEqual({
    input: captured.url,
    where: transportUrl?.href ?? null,
    token: mayHaveIt,
  });
}

