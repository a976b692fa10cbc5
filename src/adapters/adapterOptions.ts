import type { OriginsOption } from './origins.js';

/** Options shared by the ky, fetch and axios adapters. */
export interface AdapterOptions<V = Response> {
  /** Where the token may go, besides the client's base URL origin (or the page's origin). */
  origins?: OriginsOption;
  /** Authorization scheme (default `Bearer`). */
  scheme?: string;
  /**
   * Says whether a response other than a 401 also means "token refused", e.g. a 200 whose body
   * is `{ code: 401 }`. It adds cases: a 401 is always refreshed and replayed, and is not shown to
   * it. Not asked about an event stream (`text/event-stream`); if it throws, the response is
   * returned as is and a warning says so once.
   */
  isTokenRejected?: (response: V) => boolean | Promise<boolean>;
  /** Response header carrying a renewed access token (sliding expiration). */
  renewHeader?: string;
  /** Where warnings go (default `console.warn`). */
  onWarning?: (message: string) => void;
}
