import { useMemo } from 'react';
import type { SessionSnapshot, SessionStatus, TokenSet } from '../machine/types.js';
import type { SessionError } from '../machine/errors.js';
import { useSessionContext } from './SessionProvider.js';
import { useSessionSelector } from './useSessionSelector.js';

/**
 * What `useSession()` returns: the session's state (never the raw token) and its actions.
 * `Claims` types `claims`, as in `createSession<Claims>()`.
 *
 * @example
 * const { status, claims, logout }: UseSessionResult<{ sub: string }> = useSession<{ sub: string }>()
 */
export interface UseSessionResult<Claims extends Record<string, unknown> = Record<string, unknown>> {
  /** Where the session is: `restoring`, `loggedOut`, `authenticated`, `expiringSoon`, `refreshing`, `refreshFailed`. */
  status: SessionStatus;
  /** The access token's payload (a declaration, not a check); null when logged out or for an opaque token. */
  claims: Claims | null;
  /** When the access token expires, epoch ms, server-clock corrected. */
  expiresAt: number | null;
  /** Why the session is in `refreshFailed` or `loggedOut` (null after your own logout). */
  error: SessionError | null;
  /** Callers waiting for a token. */
  pending: number;
  /** Why and when a lifetime policy will end the session (set `endingWarning` ms before). */
  ending: SessionSnapshot['ending'];
  /** A token is, or will be after the refresh in flight, available; never while restoring. */
  isAuthenticated: boolean;
  /** Still finding out whether there is a session. */
  isRestoring: boolean;
  /** Signs in with a token set (your login answer); throws a `SessionError` for unusable tokens. */
  login(tokens: TokenSet): void;
  /** Ends the session everywhere; resolves once `revoke` settled (never rejects). */
  logout(): Promise<void>;
  /** Refreshes now (joins a refresh in flight). */
  refresh(): Promise<string>;
  /** The current token, at once or after the refresh in flight. */
  getAccessToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** User activity: resets the idle timer in every tab ("Stay signed in"). */
  touch(): void;
}

type Visible = Pick<SessionSnapshot, 'status' | 'claims' | 'expiresAt' | 'error' | 'pending' | 'ending' | 'isAuthenticated' | 'isRestoring'>;

const pick = (s: SessionSnapshot): Visible => ({
  status: s.status,
  claims: s.claims,
  expiresAt: s.expiresAt,
  error: s.error,
  pending: s.pending,
  ending: s.ending,
  isAuthenticated: s.isAuthenticated,
  isRestoring: s.isRestoring,
});

const sameVisible = (a: Visible, b: Visible) =>
  a.status === b.status && a.claims === b.claims && a.expiresAt === b.expiresAt && a.error === b.error &&
  a.pending === b.pending && a.ending === b.ending;

/**
 * The session for a component: status, claims, expiry, error, pending callers, and the
 * actions. Re-renders when any of those change; select less with `useSessionSelector`.
 *
 * @example
 * const { status, claims, logout } = useSession<{ sub: string; roles: string[] }>()
 * if (status === 'loggedOut') return <Login />
 */
export function useSession<Claims extends Record<string, unknown> = Record<string, unknown>>(): UseSessionResult<Claims> {
  const { session } = useSessionContext('useSession');
  const visible = useSessionSelector(pick, sameVisible);
  const actions = useMemo(
    () => ({
      login: (tokens: TokenSet) => session.login(tokens),
      logout: () => session.logout(),
      refresh: () => session.refresh(),
      getAccessToken: (options?: { signal?: AbortSignal }) => session.getAccessToken(options),
      touch: () => session.touch(),
    }),
    [session],
  );
  // The provider holds a plain Session: the payload type is the caller's declaration.
  return useMemo(() => ({ ...visible, ...actions }), [visible, actions]) as UseSessionResult<Claims>;
}
