import type { Session } from '../machine/session.js';

// The access tokens a session has held (current or earlier), so that an adapter can tell an
// Authorization header an app copied from its own store (a half-done port keeps the old
// interceptor) from real credentials of the app's own (issue 20 item 5). Memory only, never
// persisted; bounded; forgotten when the session logs out (no token outlives its session here).

// A registered symbol: adapters from another copy of the library find the same record.
const KEY = Symbol.for('silent-session.issuedTokens');
const LIMIT = 16;

/** What an adapter asks about a token. */
export interface IssuedTokens {
  /** True for an access token this session held since its last logout. */
  has(token: string): boolean;
}

/**
 * The record of `session`'s access tokens, started on first use: createSession starts it at
 * once, so tokens held before any adapter was attached count too.
 */
export function issuedTokens(session: Session): IssuedTokens {
  const found = (session as { [KEY]?: IssuedTokens })[KEY];
  if (found) return found;
  const tokens = new Set<string>();
  const note = (token: string | null, loggedOut: boolean) => {
    if (loggedOut) tokens.clear();
    if (token === null || tokens.has(token)) return;
    tokens.add(token);
    if (tokens.size > LIMIT) tokens.delete(tokens.values().next().value as string);
  };
  const first = session.getSnapshot();
  note(first.accessToken, false);
  session.subscribe((s) => note(s.accessToken, s.status === 'loggedOut'));
  const record: IssuedTokens = { has: (token) => tokens.has(token) };
  try {
    Object.defineProperty(session, KEY, { value: record });
  } catch {
    // a frozen session object (a wrapper of the app's own): each adapter keeps its own record
  }
  return record;
}
