import type { DpopPort } from './ports.js';

// The adapters' way to the session's DPoP side (createSession({ dpop })): found on the session at
// run time, so that no adapter imports src/dpop. What the adapters ask of it is made by the
// binding itself (src/dpop/sessionSide.ts): an app without DPoP pays only these hook points.

// Registered symbols: adapters and bindings from another copy of the library find them too.
const DPOP = Symbol.for('silent-session.dpop');
/** The binding's hidden maker of its {@link SessionDpop} (see src/dpop/sessionSide.ts). */
export const SIDE = Symbol.for('silent-session.dpop.side');

/** One request as the transport sends it; it remembers whether its nonce retry was made. */
export interface ProofTarget {
  method: string;
  url: string;
  nonceRetried?: boolean;
}

/** What a DPoP session offers its adapters. */
export interface SessionDpop {
  binding: DpopPort;
  /** A fresh proof for `shot` carrying `token`. */
  proof(shot: ProofTarget, token: string): Promise<string>;
  /**
   * Reads an answer from `url` (remembers its nonce): 0 no nonce challenge; 1 a challenge that is
   * the caller's answer (a second one, or the request cannot be sent again); 2 retry once.
   */
  step(url: string, status: number, header: (name: string) => string | null | undefined, shot: ProofTarget, canReplay: boolean): 0 | 1 | 2;
  /** An adapter's `scheme` option, which a DPoP session does not use: said once through `warn`. */
  scheme(scheme: string | undefined, warn: (message: string) => void): void;
  /** A login in this tab (its tokens are bound to the key as it is). */
  loggedIn(): void;
  /**
   * The session ended: here, the key is deleted once `settled` (the revocation) has, unless a
   * login came since; `elsewhere` (another tab ended it), the key is only read again next time.
   */
  ended(elsewhere: boolean, settled: Promise<void>, warn: (message: string) => void): Promise<void>;
}

/** The binding's side of a session: `retried(origin)` is told of every nonce retry. */
export type SideMaker = (retried: (origin: string) => void) => SessionDpop;

/** The session's DPoP side, or undefined for a Bearer session. */
export const dpopOf = (session: object): SessionDpop | undefined => (session as { [DPOP]?: SessionDpop })[DPOP];

/** Makes `dpop` findable from `session` by the adapters. */
export function exposeDpop<S extends object>(session: S, dpop: SessionDpop | undefined): S {
  if (dpop) Object.defineProperty(session, DPOP, { value: dpop });
  return session;
}

/**
 * Why a token response's `token_type` cannot be used by this session, or null when it can:
 * `Bearer` where DPoP was asked (no silent downgrade), `DPoP` without a key to prove it with.
 * Absent or another type (`N_A`): null, the session's own type applies.
 */
export function tokenTypeMismatch(type: unknown, dpop: boolean): string | null {
  const given = typeof type === 'string' ? type.toLowerCase() : '';
  if (dpop ? given !== 'bearer' : given !== 'dpop') return null;
  return dpop ? 'token_type Bearer, not DPoP: enable DPoP for this client at the server' : 'token_type DPoP: pass createSession({ dpop: dpop() })';
}
