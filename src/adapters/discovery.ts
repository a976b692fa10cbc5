import { SessionError } from '../machine/errors.js';
import { abortedBy } from '../machine/timer.js';
import { registerEndpoint } from './credentialEndpoints.js';
import { endpointUrl } from './endpoint.js';
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
 * The issuer must be https (http only on loopback); the document must name the same issuer
 * (RFC 8414 §3.3, OpenID Connect Discovery §4.3: a document that describes another server is a
 * mix-up, and the refresh token would go to it) and an https endpoint (http only on loopback).
 * Any of these fails with kind `invalid-response` before a token is sent; a document that
 * fails is forgotten, so it is read again next time.
 */
export async function discoveredEndpoint(issuer: string | URL, name: string, options: HttpOptions, signal: AbortSignal): Promise<string> {
  const given = String(issuer);
  const base = endpointUrl(given, 'the issuer');
  // Issuers are absolute; one given relative is compared as the page resolved it.
  const configured = /^[a-z][a-z\d+.-]*:/i.test(given) ? given : base.href;
  if (!secure(base)) throw invalid(`the issuer ${configured} is not https (http is allowed on loopback only): its discovery document could be altered on the way`);
  const url = `${base.href.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  registerEndpoint(url); // read during a refresh: it must never wait for one
  const pending = discover(url, options);
  let stopWaiting = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stopWaiting = () => reject(abortedBy(signal, 'the wait for the discovery document'));
    if (signal.aborted) stopWaiting();
    else signal.addEventListener('abort', stopWaiting, { once: true });
  });
  try {
    const document = await Promise.race([pending, aborted]);
    const forget = (why: string) => {
      const documents = cache.get(options.fetch ?? DEFAULT);
      if (documents?.get(url) === pending) documents.delete(url);
      return invalid(`discovery at ${url} ${why}`);
    };
    const said = document.issuer;
    if (typeof said !== 'string') throw forget('names no issuer; it cannot be told to describe this one, so it is not used');
    if (!sameIssuer(said, configured)) {
      throw forget(`describes the issuer ${JSON.stringify(said.slice(0, 120))}, not ${JSON.stringify(configured)} (a mix-up); nothing was sent`);
    }
    const endpoint = document[name];
    if (typeof endpoint !== 'string' || !/^https?:\/\//i.test(endpoint)) throw forget(`has no ${name}`);
    if (!secure(new URL(endpoint))) throw forget(`gives an ${name} that is not https (http is allowed on loopback only): ${endpoint.slice(0, 120)}`);
    return endpoint;
  } finally {
    signal.removeEventListener('abort', stopWaiting);
  }
}

/**
 * RFC 8414 §3.3: the document's issuer is the configured one, compared as strings. Trailing
 * slashes alone are not a difference: both spellings name the same discovery URL (the one this
 * document was read from), and a `URL` object adds one (`new URL('https://id.example.com')`).
 */
const sameIssuer = (said: string, configured: string) => said.replace(/\/+$/, '') === configured.replace(/\/+$/, '');

/** https, or http to a loopback host (localhost, 127.0.0.0/8, [::1]), where nothing is on the way. */
function secure(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
