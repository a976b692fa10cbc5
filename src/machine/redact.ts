// Text and errors made safe to show (rule 11). A leaf module: the inspection redactor, the
// token reader and the HTTP helpers all build on it, and it imports nothing of theirs.

/** Strings that may be secrets (null and undefined are skipped). */
export type Secrets = Iterable<string | null | undefined>;

// Shorter strings are not looked for inside other text: they would match ordinary words.
const MIN_SECRET = 8;
// Past this many characters a message is cut: nobody reads more, and less text can leak less.
const MAX_TEXT = 500;
// A cause chain deeper than this ends with the last cause copied (a loop of causes ends there too).
const MAX_CAUSES = 6;

/**
 * The last four characters, so logs can tell tokens apart without leaking them.
 *
 * @example
 * redact('eyJhbGciOi.payload.sig-XYZW') // '…XYZW'
 */
export function redact(token: string | null | undefined): string {
  if (!token) return String(token);
  return `…${token.slice(-4)}`;
}

/** Each secret as text may spell it: as is, URL-encoded (path, query, form) and JSON-escaped. */
function spellings(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
  return [...new Set(forms)];
}

/**
 * `text` with every occurrence of each secret replaced by its last four characters (`…abcd`),
 * however it is spelled there (as is, URL-encoded, JSON-escaped). Strings shorter than 8
 * characters are not secrets here.
 *
 * @example
 * scrubSecrets('sent rt_0123456789', ['rt_0123456789']) // 'sent …6789'
 */
export function scrubSecrets(text: string, secrets: Secrets): string {
  const found: Array<[string, string]> = [];
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET) continue;
    for (const form of spellings(s)) if (text.includes(form)) found.push([form, redact(s)]);
  }
  // the longest first, so a secret that contains another is replaced whole
  for (const [form, stand] of found.sort((a, b) => b[0].length - a[0].length)) text = text.split(form).join(stand);
  return text;
}

// A JWT, or a long run of token characters with a digit in it (opaque tokens, API keys).
const TOKEN_LIKE = /eyJ[\w-]*\.[\w-]*\.[\w-]*|[\w~+/=.-]{32,}/g;

/**
 * Text from a server or an HTTP client with whatever looks like a token (a JWT, a run of 32
 * token characters with a digit) cut to its last four characters.
 *
 * @example
 * scrubTokenLike('expired: eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl') // 'expired: …dXJl'
 */
export function scrubTokenLike(text: string): string {
  return text.replace(TOKEN_LIKE, (match) => (match.startsWith('eyJ') || /\d/.test(match) ? redact(match) : match));
}

/**
 * A URL fit to show: scheme, host and path, without user info, query or fragment (where
 * credentials ride). A relative URL keeps its path only; text that is no URL becomes undefined.
 *
 * @example
 * safeUrl('https://u:p@api.test/refresh?refresh_token=abc#x') // 'https://api.test/refresh'
 */
export function safeUrl(url: string, base?: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    try {
      return pathOf(new URL(url, 'http://relative.invalid'));
    } catch {
      return undefined;
    }
  }
  return u.host === '' ? `${u.protocol}[…]` : `${u.protocol}//${u.host}${pathOf(u)}`;
}

// A path with each segment that looks like a token (a JWT, 32 token characters with a digit)
// cut, so that `/api/v1/users/42/orders` stays readable and `/refresh/<token>` does not.
const pathOf = (u: URL) => u.pathname.split('/').map((segment) => (TOKEN_SEGMENT.test(segment) ? redact(segment) : segment)).join('/');
const TOKEN_SEGMENT = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$|^(?=.*\d)[\w~+=.%-]{32,}$/;

// An absolute URL, or a path at the start of the text or after a space, quote, `(`, `=` or `:`.
const URLISH = /\b[a-z][a-z\d+.-]*:\/\/[^\s"'<>()]+|(^|[\s"'(=:])(\/[^\s"'<>()]*)/gi;

/**
 * Text fit for a message, a warning or a log: every secret cut (however spelled), every URL
 * without user info, query or fragment, anything that looks like a token cut, at most 500
 * characters.
 *
 * @example
 * cleanText('POST https://api.test/refresh?refresh_token=rt_0123456789 failed', ['rt_0123456789'])
 * // 'POST https://api.test/refresh failed'
 */
export function cleanText(text: string, secrets: Secrets = []): string {
  const scrubbed = scrubSecrets(text, secrets);
  let out = '';
  let last = 0;
  // URLs lose query, fragment and user info, and token segments of their paths; the text
  // between them loses whatever looks like a token
  for (const m of scrubbed.matchAll(URLISH)) {
    const [whole, before = '', path] = m;
    out += scrubTokenLike(scrubbed.slice(last, m.index)) + before + (safeUrl(path ?? whole) ?? '[url]');
    last = m.index + whole.length;
  }
  out += scrubTokenLike(scrubbed.slice(last));
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
}

/** The string values under token-ish keys (`accessToken`, `refresh_token`, `token`) of a parsed body. */
export function secretsIn(value: unknown, depth = 3): string[] {
  if (typeof value !== 'object' || value === null || depth === 0) return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && /token$/i.test(key)) out.push(v);
    else out.push(...secretsIn(v, depth - 1));
  }
  return out;
}

/** The fields a sanitized cause keeps; everything else of the original is left behind. */
export interface CauseFields {
  status?: number;
  code?: string | number;
  method?: string;
  url?: string;
  kind?: string;
}

/**
 * A copy of a thrown value that holds no credential, whatever it was (an AxiosError with its
 * config, headers and ClientRequest; ky's HTTPError with its Request and options; a Response;
 * a string): a plain `Error` with an allow-list of fields — `name`, the message through
 * {@link cleanText}, `status`, `code`, `method`, `url` (no query, no user info), a SessionError's
 * `kind`, the stack frames, and the same copy of its `cause` (and of an AggregateError's
 * `errors`). Nothing of the client's live objects is kept, so nothing can be read through them.
 *
 * @example
 * sanitizeCause(axiosError, [refreshToken]) // Error { name: 'AxiosError', status: 500, method: 'POST', url: 'https://api.test/refresh' }
 */
export function sanitizeCause(value: unknown, secrets: Secrets = []): Error {
  return copy(value, [...secrets].filter((s): s is string => typeof s === 'string'), new Set(), 0);
}

/** Reads one property of a value that may be a Proxy or have throwing getters. */
function read(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return undefined;
    try {
      v = (v as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return v;
}

const IDENTIFIER = /^[A-Za-z_$][\w$.-]{0,39}$/;
const text = (v: unknown, pattern: RegExp) => (typeof v === 'string' && pattern.test(v) ? v : undefined);

function fieldsOf(value: unknown, secrets: string[]): CauseFields {
  const fields: CauseFields = {};
  const status = [read(value, 'status'), read(value, 'response', 'status'), read(value, 'statusCode')].find((s) => Number.isInteger(s) && (s as number) >= 0 && (s as number) < 1000);
  if (status !== undefined) fields.status = status as number;
  const code = read(value, 'code');
  if (Number.isFinite(code) || text(code, IDENTIFIER)) fields.code = typeof code === 'string' ? cleanText(code, secrets) : (code as number);
  const method = [read(value, 'method'), read(value, 'config', 'method'), read(value, 'request', 'method'), read(value, 'options', 'method')].find((m) => text(m, /^[A-Za-z]{1,16}$/));
  if (typeof method === 'string') fields.method = method.toUpperCase();
  const base = read(value, 'config', 'baseURL');
  const url = [read(value, 'url'), read(value, 'config', 'url'), read(value, 'request', 'url'), read(value, 'response', 'url')].find((u) => typeof u === 'string' && u !== '');
  const shown = typeof url === 'string' ? safeUrl(url, typeof base === 'string' ? base : undefined) : undefined;
  if (shown !== undefined) fields.url = cleanText(shown, secrets);
  const kind = read(value, 'kind');
  if (read(value, 'name') === 'SessionError' && text(kind, /^[a-z-]{1,24}$/)) fields.kind = kind as string;
  return fields;
}

function nameOf(value: unknown): string {
  const name = read(value, 'name');
  if (typeof name === 'string' && IDENTIFIER.test(name)) return name;
  const ctor = read(value, 'constructor', 'name');
  return typeof ctor === 'string' && IDENTIFIER.test(ctor) ? ctor : 'Error';
}

// `seen`: the values copied so far. A value met again (a loop of causes) is not copied twice:
// the copy's chain ends there, so it stays a chain that structuredClone and JSON can take.
function copy(value: unknown, secrets: string[], seen: Set<unknown>, depth: number): Error {
  const isObject = (typeof value === 'object' || typeof value === 'function') && value !== null;
  const name = isObject ? nameOf(value) : 'Error';
  const raw = isObject ? read(value, 'message') : value;
  const message = cleanText(typeof raw === 'string' ? raw : isObject ? `not an Error: ${name}` : String(raw), secrets);
  const out = new Error(message);
  seen.add(value);
  Object.defineProperty(out, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  if (isObject) Object.assign(out, fieldsOf(value, secrets));
  const stack = read(value, 'stack');
  const frames = typeof stack === 'string' ? stack.split('\n').filter((l) => /^\s*at\s|@.*:\d+(:\d+)?$/.test(l)).slice(0, 20) : [];
  const shownFrames = frames.map((f) => scrubTokenLike(scrubSecrets(f, secrets)));
  Object.defineProperty(out, 'stack', { value: [`${name}: ${message}`, ...shownFrames].join('\n'), writable: true, configurable: true, enumerable: false });
  if (!isObject || depth >= MAX_CAUSES) return out;
  const cause = read(value, 'cause');
  if (cause !== undefined && !seen.has(cause)) Object.defineProperty(out, 'cause', { value: copy(cause, secrets, seen, depth + 1), writable: true, configurable: true, enumerable: false });
  // an AggregateError's list (a refused connection to every address of a host)
  const errors = read(value, 'errors');
  if (Array.isArray(errors)) Object.assign(out, { errors: errors.slice(0, 5).filter((e: unknown) => !seen.has(e)).map((e: unknown) => copy(e, secrets, seen, depth + 1)) });
  return out;
}
