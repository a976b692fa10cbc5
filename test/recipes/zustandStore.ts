// authStore.ts — the app's auth store, a read-only mirror of the session (Zustand).
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Session, SessionErrorKind, SessionSnapshot, SessionStatus, TokenSet } from '../../src/index.js';

export interface AuthState<Claims extends Record<string, unknown>> {
  status: SessionStatus;
  accessToken: string | null;
  claims: Claims | null;
  isRestoring: boolean;
  isAuthenticated: boolean;
  /** Why the last session ended, for a "login expired" dialog; null after a plain logout. */
  endedBecause: SessionErrorKind | null;
  login(tokens: TokenSet): void;
  logout(): Promise<void>;
}

/** getState and subscribe, without setState: nothing but the session writes to it. */
export type AuthStore<Claims extends Record<string, unknown>> = Pick<StoreApi<AuthState<Claims>>, 'getState' | 'getInitialState' | 'subscribe'>;

/**
 * A Zustand store fed by the session and by nothing else. Do not wrap it in `persist`: the
 * session's `webStorage` (or `checkSession`) already restores everything after a reload, and a
 * second persisted copy disagrees with the session as soon as either changes.
 */
export function createAuthStore<Claims extends Record<string, unknown>>(session: Session<Claims>): AuthStore<Claims> {
  const actions = { login: (tokens: TokenSet) => session.login(tokens), logout: () => session.logout() };
  const view = (s: SessionSnapshot<Claims>): AuthState<Claims> => ({
    status: s.status,
    accessToken: s.accessToken,
    claims: s.claims,
    isRestoring: s.isRestoring,
    isAuthenticated: s.isAuthenticated,
    endedBecause: s.status === 'loggedOut' ? (s.error?.kind ?? null) : null,
    ...actions,
  });
  const store = createStore<AuthState<Claims>>()(() => view(session.getSnapshot()));
  session.subscribe((snapshot) => store.setState(view(snapshot), true));
  const { getState, getInitialState, subscribe } = store;
  return { getState, getInitialState, subscribe };
}

/** In components: `const status = useAuth(authStore, (s) => s.status)`. */
export const useAuth = <Claims extends Record<string, unknown>, T>(store: AuthStore<Claims>, select: (state: AuthState<Claims>) => T): T =>
  useStore(store, select);

// main.ts:  export const authStore = createAuthStore(session)
