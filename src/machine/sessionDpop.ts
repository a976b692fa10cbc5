import type { DpopBinding } from '../dpop/types.js';

// The adapters' way to the session's DPoP binding (createSession({ dpop })): found on the session
// at run time, so that no adapter imports src/dpop and an app without DPoP pays only this lookup.

// A registered symbol: adapters from another copy of the library find it too.
const DPOP = Symbol.for('silent-session.dpop');

/** What a DPoP session offers its adapters. */
export interface SessionDpop {
  binding: DpopBinding;
  /** An adapter answered a nonce challenge from `origin` with a retry: the snapshot shows it. */
  retried(origin: string): void;
}

/** The session's DPoP side, or undefined for a Bearer session. */
export const dpopOf = (session: object): SessionDpop | undefined => (session as { [DPOP]?: SessionDpop })[DPOP];

/** Makes `dpop` findable from `session` by the adapters. */
export function exposeDpop<S extends object>(session: S, dpop: SessionDpop | undefined): S {
  if (dpop) Object.defineProperty(session, DPOP, { value: dpop });
  return session;
}

/**
 * Why a token response's `token_type` cannot be used by this session, or null when it can:
 * `Bearer` where DPoP was asked (no silent downgrade), `DPoP` where the session has no key to
 * prove it with. Absent or another type (`N_A`): null, the session's own type applies.
 */
export function tokenTypeMismatch(type: unknown, dpop: boolean): string | null {
  const given = typeof type === 'string' ? type.toLowerCase() : '';
  if (dpop && given === 'bearer') return 'the token_type is Bearer but the session asked for DPoP-bound tokens (createSession({ dpop })); the server did not bind them: enable DPoP for this client at the server';
  if (!dpop && given === 'dpop') return 'the token_type is DPoP but the session has no key to prove it with; pass createSession({ dpop: dpop() }) from silent-session/dpop';
  return null;
}
