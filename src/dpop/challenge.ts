// Recognising a server's request for a nonce (RFC 9449 §8 and §9), and reading DPoP-Nonce.

/**
 * Reads one response header by name (case-insensitive), as every HTTP client can.
 *
 * @example
 * const header: HeaderReader = (name) => response.headers.get(name);
 */
export type HeaderReader = (name: string) => string | null | undefined;

// RFC 9449 §8.1: nonce = 1*NQCHAR, printable ASCII except `"` and `\`.
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The response's `DPoP-Nonce` if it is a well-formed nonce, else null. */
export function nonceOf(header: HeaderReader): string | null {
  const value = header('dpop-nonce');
  return typeof value === 'string' && NONCE.test(value) ? value : null;
}

/** True when a `DPoP-Nonce` header is present but is not a nonce (it is then ignored). */
export const malformedNonce = (header: HeaderReader): boolean => {
  const value = header('dpop-nonce');
  return typeof value === 'string' && value !== '' && !NONCE.test(value);
};

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACE = /[ \t,]*/y;
const OWS = /[ \t]*/y;

/** Parameters of every challenge in a `WWW-Authenticate` value, by lower-cased scheme (RFC 9110 §11.6.1). */
export function challenges(value: string): Array<{ scheme: string; params: Map<string, string> }> {
  const found: Array<{ scheme: string; params: Map<string, string> }> = [];
  let at = 0;
  const match = (re: RegExp): string | null => {
    re.lastIndex = at;
    const m = re.exec(value);
    if (m === null) return null;
    at = re.lastIndex;
    return m[0];
  };
  while (at < value.length) {
    match(SPACE);
    const name = match(TOKEN);
    if (name === null) {
      at++; // not HTTP syntax: step over it
      continue;
    }
    match(OWS);
    if (value[at] !== '=' || found.length === 0) {
      found.push({ scheme: name.toLowerCase(), params: new Map() });
      continue;
    }
    at++;
    match(OWS);
    let param = '';
    if (value[at] === '"') {
      for (at++; at < value.length && value[at] !== '"'; at++) param += value[at] === '\\' ? (value[++at] ?? '') : value[at];
      at++;
    } else param = match(TOKEN) ?? '';
    found.at(-1)?.params.set(name.toLowerCase(), param);
  }
  return found;
}

/**
 * The nonce to retry with when a resource server asked for one (RFC 9449 §9): a 401 whose
 * `WWW-Authenticate` has a DPoP challenge with `error="use_dpop_nonce"`, and a `DPoP-Nonce`.
 * Anything else (another error, the error under another scheme, no nonce) is null.
 *
 * @example
 * const nonce = resourceNonceChallenge(res.status, (name) => res.headers.get(name));
 */
export function resourceNonceChallenge(status: number, header: HeaderReader): string | null {
  if (status !== 401) return null;
  const asked = challenges(header('www-authenticate') ?? '').some((c) => c.scheme === 'dpop' && c.params.get('error') === 'use_dpop_nonce');
  return asked ? nonceOf(header) : null;
}

/**
 * The nonce to retry with when an authorization server asked for one (RFC 9449 §8): a 400
 * whose JSON body has `error: "use_dpop_nonce"`, and a `DPoP-Nonce`. `body` is the parsed body.
 *
 * @example
 * const nonce = authorizationNonceChallenge(res.status, await res.clone().json(), (name) => res.headers.get(name));
 */
export function authorizationNonceChallenge(status: number, body: unknown, header: HeaderReader): string | null {
  if (status !== 400 || typeof body !== 'object' || body === null) return null;
  return (body as { error?: unknown }).error === 'use_dpop_nonce' ? nonceOf(header) : null;
}
