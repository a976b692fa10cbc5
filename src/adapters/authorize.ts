import type { Session } from '../machine/session.js';
import { isSessionError } from '../machine/errors.js';
import { fromRefresh } from '../machine/refreshCallsKey.js';
import { dpopOf, type ProofTarget } from '../machine/sessionDpop.js';
import { defaultWarn } from '../machine/util.js';
import { isCredentialEndpoint } from './credentialEndpoints.js';
import { issuedTokens } from './issuedTokens.js';
import { originFilter, type Target } from './origins.js';
import type { AdapterOptions } from './adapterOptions.js';
import { msg } from '../machine/dev.js';

export type { AdapterOptions } from './adapterOptions.js';

/** How the core reads a client's result `R` (shown to `isTokenRejected` as `V`) and makes its errors. */
export interface ClientGlue<R, V> {
  status(result: R): number;
  header(result: R, name: string): string | null | undefined;
  /** What `isTokenRejected` is shown (a clone for fetch, parsed data for axios). */
  view(result: R): V | Promise<V>;
  /**
   * True for a response whose body is a stream that may never end (`text/event-stream`): it is
   * not shown to `isTokenRejected`, whose reading of the body would wait for the stream's end.
   */
  streaming(result: R): boolean;
  /** The error the client itself throws for an aborted request. */
  abortError(signal: AbortSignal): unknown;
  /**
   * The URL that answered (after redirects); null when the client hides it. Empty or relative
   * (mocks, hand-built responses): the request's own URL.
   */
  finalUrl(result: R): string | null;
}

/**
 * Sends one request; called at most twice (three times in a DPoP session: a nonce challenge
 * gets one retry of its own). `authorization` null: send it as the bare client would, without
 * the adapter's Authorization (removed if a re-sent request still carries it). `proof`: the
 * `DPoP` header to send beside it (a DPoP session), else null.
 */
export type Send<R> = (authorization: string | null, proof: string | null) => Promise<R>;

/**
 * One request as the transport sends it (its method, its final URL): what a DPoP proof is
 * made for. Created per request; it remembers the retries the request had.
 */
export type Shot = ProofTarget;

/** The one implementation of "get a token, attach it, on 401 report it and replay once". */
export interface Authorizer<R> {
  /** Where `input` goes, resolved against the client's base, and whether it may carry the token. */
  target(input: string | URL): Target;
  /** The decision for every URL starting with `prefix` when the prefix alone settles it, else null. */
  prefix(prefix: string): boolean | null;
  /** The token for an allowed request (waiting while a refresh runs). */
  token(signal?: AbortSignal | null): Promise<string>;
  /** `${scheme} ${token}`, remembered so that a request sent again with it is recognised. */
  header(token: string): string;
  /** A DPoP session's proof for `shot` carrying `token`; null for a Bearer session. */
  proof(shot: Shot, token: string): Promise<string | null>;
  /** True for an Authorization value this authorizer set: a request (or axios config) sent again. */
  own(value: string): boolean;
  /**
   * The token in an Authorization value the app set itself (`<scheme> <token>`, an interceptor
   * copying it from the app's store) when this session issued it, current or earlier; else null.
   * Such a header is the session's own: the adapter attaches the current token instead.
   */
  issued(value: string): string | null;
  /** Says once, through `onWarning`, that an app-set header with the session's token was taken over. */
  tookOver(): void;
  /** True while the session is logged out: requests go out as the bare client sends them. */
  passThrough(): boolean;
  /**
   * True for a request that goes out bare whatever the session's state: opted out with
   * `session: false` (`optedOut`), one to the library's own refresh/revoke/discovery endpoints,
   * or one the refresh function itself sends (it must not wait for itself, rule 4).
   */
  bare(url: string, optedOut: boolean, signal?: AbortSignal | null): boolean;
  /**
   * Looks at a result sent with `token`: renews, and replays once if the token was refused.
   * Only what an allowed origin answered counts: after a redirect elsewhere, neither a renewed
   * token nor a 401 is the allowed API's word.
   */
  settle(result: R, token: string, replay: Send<R> | null, signal: AbortSignal | null | undefined, shot: Shot): R | Promise<R>;
  /** token + send + settle for an allowed request; logged out, a plain send. */
  run(signal: AbortSignal | null | undefined, send: Send<R>, replayable: boolean, shot: Shot): Promise<R>;
}

/** True for the content type of Server-Sent Events, whose body lasts as long as the stream. */
export const isEventStream = (type: unknown) => typeof type === 'string' && /^\s*text\/event-stream\b/i.test(type);

/** An absolute URL starts with a scheme; anything else a response reports is relative. */
const HAS_SCHEME = /^[a-z][a-z\d+.-]*:/i;

/** The name of what was thrown, fit for a message (never its text, which may quote a body). */
const errorName = (error: unknown) => {
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z][\w$]{0,39}$/.test(name) ? name : 'an error';
};


/** Creates the shared request logic for one client instance. */
export function createAuthorizer<R, V = R>(
  session: Session,
  options: AdapterOptions<V>,
  glue: ClientGlue<R, V>,
  base: string | URL | undefined,
  resolvesAgainstBase = true,
): Authorizer<R> {
  const warn = options.onWarning ?? defaultWarn;
  const filter = originFilter(options.origins, base, warn, resolvesAgainstBase);
  // DPoP (createSession({ dpop })): the session's tokens are bound to its key and go as `DPoP`
  const dpop = dpopOf(session);
  const prefix = `${dpop ? 'DPoP' : (options.scheme ?? 'Bearer')} `;
  dpop?.scheme(options.scheme, warn);
  const lowerPrefix = prefix.toLowerCase();
  const issued = issuedTokens(session);
  let tookOver = false;
  const { isTokenRejected, renewHeader } = options;
  const given = new Set<string>();
  let lastToken = '';
  let lastValue = '';
  const header = (token: string) => {
    // The same token string per request until a refresh: no concatenation or hashing per request.
    if (token !== lastToken) {
      lastToken = token;
      lastValue = prefix + token;
      given.add(lastValue);
      if (given.size > 16) given.delete(given.values().next().value as string);
    }
    return lastValue;
  };

  // A caller's abort surfaces as the client's own abort error, as if the request had started.
  const withAbort = (work: Promise<string>, signal: AbortSignal | null | undefined): Promise<string> =>
    signal
      ? work.catch((error: unknown) => {
          throw signal.aborted && isSessionError(error) && error.kind === 'aborted' ? glue.abortError(signal) : error;
        })
      : work;

  // true: an allowed origin answered; false: another one (a redirect); null: the client cannot
  // tell. Only allowed requests are settled, so a final URL that is empty or relative (a mock
  // adapter reports the URL as given, a hand-built Response has none) is the request's own:
  // "cannot tell" is not "foreign" (rule 5, v3).
  const answeredBy = (result: R): boolean | null => {
    const url = glue.finalUrl(result);
    if (url === null) return null;
    return url === '' || !HAS_SCHEME.test(url) ? true : filter.target(url).allowed;
  };
  const notAdopted = new Set<string>();
  let checkFailed = false;
  const renew = (result: R, answered: () => boolean | null) => {
    const renewed = renewHeader ? glue.header(result, renewHeader) : null;
    if (!renewed) return;
    const by = answered();
    if (by === true) return session.tokensRenewed({ accessToken: renewed });
    // Adopting it would log this session in as whoever that origin says (login fixation).
    const why = by === null ? 'the client hides which URL answered' : 'another origin answered (a redirect)';
    if (!notAdopted.has(why)) {
      notAdopted.add(why);
      warn(process.env.NODE_ENV !== 'production' ? `renewHeader: a renewed token was not adopted: ${why}` : msg('renew-header'));
    }
  };

  const proof = (shot: Shot, token: string): Promise<string | null> => (dpop ? dpop.proof(shot, token) : Promise.resolve(null));
  // DPoP: every answer an allowed origin gave is read (its nonce kept); a nonce challenge is not a
  // refused token and never starts a refresh: one retry with a fresh proof, or the caller's answer.
  const nonceStep = (result: R, token: string, replay: Send<R> | null, signal: AbortSignal | null | undefined, shot: Shot): R | Promise<R> | undefined => {
    const final = glue.finalUrl(result);
    const step = (dpop as NonNullable<typeof dpop>).step(final && HAS_SCHEME.test(final) ? final : shot.url, glue.status(result), (name) => glue.header(result, name), shot, replay !== null);
    if (step < 2) return step ? result : undefined;
    return proof(shot, token).then((fresh) => (replay as Send<R>)(header(token), fresh)).then((second) => authorizer.settle(second, token, replay, signal, shot));
  };

  const retry = (result: R, token: string, replay: Send<R> | null, signal: AbortSignal | null | undefined, shot: Shot): R | Promise<R> => {
    if (replay === null) {
      // Cannot send it again (a one-shot body): the caller gets the 401, later requests a new token.
      session.tokenRejected(token).catch(() => {});
      return result;
    }
    return withAbort(session.tokenRejected(token), signal).then(async (next) => {
      const second = await replay(header(next), await proof(shot, next));
      let by: boolean | null | undefined;
      const answered = () => (by === undefined ? (by = answeredBy(second)) : by);
      renew(second, answered);
      return (dpop && answered() !== false ? nonceStep(second, next, replay, signal, shot) : undefined) ?? second;
    });
  };

  const authorizer: Authorizer<R> = {
    target: (input) => filter.target(input),
    prefix: (prefix) => filter.prefix(prefix),
    token: (signal) => withAbort(session.getAccessToken(signal ? { signal } : undefined), signal),
    header,
    proof,
    own: (value) => given.has(value),
    issued(value) {
      if (value.length <= prefix.length || value.slice(0, prefix.length).toLowerCase() !== lowerPrefix) return null;
      const token = value.slice(prefix.length).trim();
      return issued.has(token) ? token : null;
    },
    tookOver() {
      if (tookOver) return;
      tookOver = true;
      warn(
        process.env.NODE_ENV !== 'production'
          ? 'a request carried an Authorization header set by the app with a token this session issued (an interceptor or wrapper that copies the token from a store?); ' +
              'the session treats it as its own: it sends its current token and handles the 401. Remove that code and let the adapter attach the token (`session: false` opts a request out)'
          : msg('app-set-header'),
      );
    },
    passThrough: () => session.getSnapshot().status === 'loggedOut',
    bare: (url, optedOut, signal) => optedOut || isCredentialEndpoint(url) || fromRefresh(session, signal),
    settle(result, token, replay, signal, shot) {
      let by: boolean | null | undefined;
      const answered = () => (by === undefined ? (by = answeredBy(result)) : by);
      renew(result, answered);
      const challenged = dpop && answered() !== false ? nonceStep(result, token, replay, signal, shot) : undefined;
      if (challenged !== undefined) return challenged;
      // A 401 is always a refused token; `isTokenRejected` only adds cases (a 200 `{ code: 401 }`),
      // so an app's check written for its envelope cannot turn the 401 path off (v3 defaults).
      const status = glue.status(result);
      if (status === 401) return answered() !== false ? retry(result, token, replay, signal, shot) : result;
      if (!isTokenRejected || answered() === false || glue.streaming(result)) return result;
      return Promise.resolve()
        .then(() => glue.view(result))
        .then(isTokenRejected)
        .then(
          (refused) => (refused ? retry(result, token, replay, signal, shot) : result),
          (error: unknown) => {
            // The app's check failed on an answer it did not expect (a body that is not JSON):
            // the response is the caller's as it came, and the app hears why once.
            if (!checkFailed) {
              checkFailed = true;
              warn(process.env.NODE_ENV !== 'production' ? `isTokenRejected threw on a ${status} response (${errorName(error)}); the response was returned as is. Make it return false for answers it does not read, e.g. check the content-type before parsing the body` : msg('is-token-rejected-threw'));
            }
            return result;
          },
        );
    },
    run(signal, send, replayable, shot) {
      // Logged out: no token to wait for. The login request and public endpoints go through.
      if (authorizer.passThrough()) return send(null, null);
      const settle = (token: string) => (result: R) => authorizer.settle(result, token, replayable ? send : null, signal, shot);
      return authorizer.token(signal).then((token) =>
        dpop ? proof(shot, token).then((fresh) => send(header(token), fresh)).then(settle(token)) : send(header(token), null).then(settle(token)),
      );
    },
  };
  return authorizer;
}
