// Text made safe to show (rule 11). A leaf module: the error sanitizer (cause.ts), the
// inspection redactor, the token reader and the HTTP helpers build on it; it imports nothing.

/** Strings that may be secrets (null and undefined are skipped). */
export type Secrets = Iterable<string | null | undefined>;

// Shorter strings are not looked for inside other text: they would match ordinary words.
const MIN_SECRET = 8;
// Past this many characters a message is cut: nobody reads more, and less text can leak less.
const MAX_TEXT = 500;

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
