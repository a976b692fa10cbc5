import type { Session } from '../machine/session.js';
import { isSessionError } from '../machine/errors.js';
import { originFilter, type OriginsOption } from './origins.js';

/** Options shared by the ky, fetch and axios adapters. */
export interface AdapterOptions<V = Response> {
  /** Where the token may go, besides the client's base URL origin (or the page's origin). */
  origins?: OriginsOption;
  /** Authorization scheme (default `Bearer`). */
  scheme?: string;
  /** Says whether a response means "token refused" (default: status 401), e.g. for a 200 `{ code: 401 }`. */
  isTokenRejected?: (response: V) => boolean | Promise<boolean>;
  /** Response header carrying a renewed access token (sliding expiration). */
  renewHeader?: string;
  /** Where warnings go (default `console.warn`). */
  onWarning?: (message: string) => void;
}

/** How the core reads a client's result `R` (shown to `isTokenRejected` as `V`) and makes its errors. */
export interface ClientGlue<R, V> {
  status(result: R): number;
  header(result: R, name: string): string | null | undefined;
  /** What `isTokenRejected` is shown (a clone for fetch, parsed data for axios). */
  view(result: R): V | Promise<V>;
  /** The error the client itself throws for an aborted request. */
  abortError(signal: AbortSignal): unknown;
}

/** Sends one request; called at most twice. `authorization` null: send it untouched. */
export type Send<R> = (authorization: string | null) => Promise<R>;

/** The one implementation of "get a token, attach it, on 401 report it and replay once". */
export interface Authorizer<R> {
  /** The URL the request goes to, resolved against the client's base. */
  resolve(input: string | URL): URL | null;
  /** The token to attach, or null when the URL may not carry one. */
  tokenFor(url: URL | null, signal?: AbortSignal | null): Promise<string | null>;
  /** `${scheme} ${token}` */
  header(token: string): string;
  /** Looks at a result sent with `token`: renews, and replays once if the token was refused. */
  settle(result: R, token: string, replay: Send<R> | null, signal?: AbortSignal | null): Promise<R>;
  /** tokenFor + send + settle. */
  run(url: URL | null, signal: AbortSignal | null | undefined, send: Send<R>, replayable: boolean): Promise<R>;
}

/** Creates the shared request logic for one client instance. */
export function createAuthorizer<R, V = R>(
  session: Session,
  options: AdapterOptions<V>,
  glue: ClientGlue<R, V>,
  base: string | URL | undefined,
): Authorizer<R> {
  const warn = options.onWarning ?? ((message: string) => console.warn(`[silent-session] ${message}`));
  const filter = originFilter(options.origins, base, warn);
  const scheme = options.scheme ?? 'Bearer';
  const { isTokenRejected, renewHeader } = options;

  const withAbort = async (work: Promise<string>, signal: AbortSignal | null | undefined): Promise<string> => {
    try {
      return await work;
    } catch (error) {
      // A caller's abort surfaces as the client's own abort error, as if the request had started.
      if (signal?.aborted && isSessionError(error) && error.kind === 'aborted') throw glue.abortError(signal);
      throw error;
    }
  };

  const refused = async (result: R): Promise<boolean> =>
    isTokenRejected ? isTokenRejected(await glue.view(result)) : glue.status(result) === 401;

  const renew = (result: R) => {
    const renewed = renewHeader ? glue.header(result, renewHeader) : null;
    if (renewed) session.tokensRenewed({ accessToken: renewed });
  };

  const authorizer: Authorizer<R> = {
    resolve: (input) => filter.resolve(input),
    async tokenFor(url, signal) {
      if (url === null || !filter.allows(url)) return null;
      return withAbort(session.getAccessToken({ signal: signal ?? undefined }), signal);
    },
    header: (token) => `${scheme} ${token}`,
    async settle(result, token, replay, signal) {
      renew(result);
      if (!(await refused(result))) return result;
      if (replay === null) {
        // Cannot send it again (a one-shot body): the caller gets the 401, later requests a new token.
        session.tokenRejected(token).catch(() => {});
        return result;
      }
      const next = await withAbort(session.tokenRejected(token), signal);
      const second = await replay(authorizer.header(next));
      renew(second);
      return second;
    },
    async run(url, signal, send, replayable) {
      const token = await authorizer.tokenFor(url, signal);
      if (token === null) return send(null);
      const result = await send(authorizer.header(token));
      return authorizer.settle(result, token, replayable ? send : null, signal);
    },
  };
  return authorizer;
}
