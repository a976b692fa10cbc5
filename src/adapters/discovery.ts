import { SessionError } from '../machine/errors.js';
import { abortedBy } from '../machine/timer.js';
import { asObject, invalid, request, type HttpOptions } from './http.js';

// OpenID Connect discovery, read once per issuer (and fetch) for the whole page, so that
// oauthRefresh.fromIssuer and oauthRevoke.fromIssuer of one provider share one request.

type Document = Promise<Record<string, unknown>>;

// Per fetch function, then per document URL; the global fetch under DEFAULT.
const DEFAULT = {};
const cache = new WeakMap<object, Map<string, Document>>();
const MAX_ISSUERS = 8;

/** The discovery document of `issuer`; a failed read is forgotten, so the next call tries again. */
function discover(url: string, options: HttpOptions): Document {
  const key = options.fetch ?? DEFAULT;
  const documents = cache.get(key) ?? new Map<string, Document>();
  cache.set(key, documents);
  const known = documents.get(url);
  if (known) return known;
  const read = (async () => {
    // Shared by every caller waiting for it, so no caller's abort ends it; `timeout` bounds it.
    const { response, json } = await request(`discovery at ${url}`, url, { headers: { accept: 'application/json' } }, new AbortController().signal, options);
    // Whatever the status, no token was refused: never 'rejected' here.
    if (!response.ok) throw new SessionError('http', `discovery at ${url} answered ${response.status}`, { status: response.status });
    const document = asObject(json);
    if (!document) throw invalid(`discovery at ${url} did not answer a JSON object`);
    return document;
  })();
  documents.set(url, read);
  if (documents.size > MAX_ISSUERS) documents.delete(documents.keys().next().value as string);
  read.catch(() => documents.get(url) === read && documents.delete(url));
  return read;
}

/**
 * The endpoint `name` (`token_endpoint`, `revocation_endpoint`) from `issuer`'s discovery
 * document. The caller stops waiting when its `signal` aborts; the read goes on for others.
 * A document without that endpoint is forgotten too, so it is read again next time.
 */
export async function discoveredEndpoint(issuer: string | URL, name: string, options: HttpOptions, signal: AbortSignal): Promise<string> {
  const url = `${String(issuer).replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const pending = discover(url, options);
  let stopWaiting = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stopWaiting = () => reject(abortedBy(signal, 'the wait for the discovery document'));
    if (signal.aborted) stopWaiting();
    else signal.addEventListener('abort', stopWaiting, { once: true });
  });
  try {
    const endpoint = (await Promise.race([pending, aborted]))[name];
    if (typeof endpoint === 'string' && /^https?:\/\//.test(endpoint)) return endpoint;
    const documents = cache.get(options.fetch ?? DEFAULT);
    if (documents?.get(url) === pending) documents.delete(url);
    throw invalid(`discovery at ${url} has no ${name}`);
  } finally {
    signal.removeEventListener('abort', stopWaiting);
  }
}
