import { cleanText, safeUrl, scrubSecrets, scrubTokenLike, type Secrets } from './redact.js';

// What an error keeps of what a refresh, a revocation or a fetch threw (rule 11 v3): an
// allow-list of fields, never the thrower's objects, whatever class they are.

/** The fields a sanitized cause keeps besides name, message, stack and cause. */
export interface CauseFields {
  status?: number;
  code?: string | number;
  method?: string;
  /** Scheme, host and path: no user info, query or fragment. */
  url?: string;
  /** A SessionError's kind (a copy of one is still a SessionError to `isSessionError`). */
  kind?: string;
}

// A cause chain deeper than this ends with the last cause copied.
const MAX_CAUSES = 6;
const IDENTIFIER = /^[A-Za-z_$][\w$.-]{0,39}$/;
const isText = (v: unknown, pattern: RegExp) => typeof v === 'string' && pattern.test(v);

// Where each kept field is found, the first match winning: axios (status, code, config.method,
// config.url, request), ky (response, request), a thrown Response (status, url), Node (code,
// statusCode), a SessionError (kind).
const FIELDS: Array<[keyof CauseFields, string[], (v: unknown) => boolean]> = [
  ['status', ['status', 'response.status', 'statusCode'], (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1000],
  ['code', ['code'], (v) => Number.isFinite(v) || isText(v, IDENTIFIER)],
  ['method', ['method', 'config.method', 'request.method'], (v) => isText(v, /^[A-Za-z]{1,16}$/)],
  ['url', ['url', 'config.url', 'request.url', 'response.url'], (v) => typeof v === 'string' && v !== ''],
  ['kind', ['kind'], (v) => isText(v, /^[a-z-]{1,24}$/)],
];

/**
 * A copy of a thrown value that holds no credential, whatever it was (an AxiosError with its
 * config, headers and ClientRequest; ky's HTTPError with its Request and options; a Response;
 * a string): a plain `Error` with an allow-list of fields — `name`, the message through
 * `cleanText`, {@link CauseFields}, the stack frames, and the same copy of its `cause` (and of
 * an AggregateError's first `errors`). Nothing of the thrower's objects is kept, so nothing can
 * be read through them. A loop of causes ends where it closes.
 *
 * @example
 * sanitizeCause(axiosError, [refreshToken]) // Error { name: 'AxiosError', status: 500, method: 'POST', url: 'https://api.test/refresh' }
 */
export function sanitizeCause(value: unknown, secrets: Secrets = []): Error {
  return copy(value, [...secrets].filter((s): s is string => typeof s === 'string'), new Set(), 0);
}

/** Reads a property path (`response.status`) of a value that may be a Proxy or have throwing getters. */
function read(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return undefined;
    try {
      v = (v as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return v;
}

const hide = (target: object, key: string, value: unknown) => Object.defineProperty(target, key, { value, writable: true, configurable: true });

function copy(value: unknown, secrets: string[], seen: Set<unknown>, depth: number): Error {
  seen.add(value);
  const isObject = (typeof value === 'object' || typeof value === 'function') && value !== null;
  const name = [read(value, 'name'), read(value, 'constructor.name')].find((n) => isText(n, IDENTIFIER)) ?? 'Error';
  const raw = isObject ? read(value, 'message') : value;
  const message = cleanText(typeof raw === 'string' ? raw : isObject ? `not an Error: ${name}` : String(raw), secrets);
  const out = new Error(message);
  hide(out, 'name', name);
  for (const [field, paths, ok] of isObject ? FIELDS : []) {
    let found = paths.map((p) => read(value, p)).find(ok);
    if (field === 'url' && found !== undefined) {
      const base = read(value, 'config.baseURL'); // axios: a relative url under the instance's base
      found = safeUrl(found as string, typeof base === 'string' ? base : undefined);
    }
    if (field === 'method') found = (found as string | undefined)?.toUpperCase();
    if (field === 'kind' && name !== 'SessionError') found = undefined;
    if (found !== undefined) Object.assign(out, { [field]: typeof found === 'string' ? scrubSecrets(found, secrets) : found });
  }
  const stack = read(value, 'stack');
  const frames = typeof stack === 'string' ? stack.split('\n').filter((l) => /^\s*at\s|@.*:\d+(:\d+)?$/.test(l)).slice(0, 20) : [];
  hide(out, 'stack', [`${name}: ${message}`, ...frames.map((f) => scrubTokenLike(scrubSecrets(f, secrets)))].join('\n'));
  if (!isObject || depth >= MAX_CAUSES) return out;
  const cause = read(value, 'cause');
  if (cause !== undefined && !seen.has(cause)) hide(out, 'cause', copy(cause, secrets, seen, depth + 1));
  // an AggregateError's list (a refused connection to every address of a host)
  const errors = read(value, 'errors');
  if (Array.isArray(errors)) (out as Error & { errors?: Error[] }).errors = errors.slice(0, 5).filter((e) => !seen.has(e)).map((e) => copy(e, secrets, seen, depth + 1));
  return out;
}
