// authProvider.ts — an admin framework's auth provider (react-admin's contract), backed by the session.
import { isSessionError, whenRestored, type Session, type SessionErrorKind, type TokenSet } from '../../src/index.js';

/** The contract react-admin calls on every route change, concurrently (written out: no framework import). */
export interface AuthProvider {
  login(params: { username: string; password: string }): Promise<void>;
  logout(params?: unknown): Promise<void>;
  checkAuth(params?: unknown): Promise<void>;
  checkError(error: unknown): Promise<void>;
  getIdentity(): Promise<{ id: string; fullName: string }>;
  getPermissions(params?: unknown): Promise<string[]>;
}

/** How the framework is told to show the login page; `message: false` shows no notification. */
export interface ToLogin {
  redirectTo: string;
  message: string | false;
}

/** What each end of a session tells the user. A plain logout (reason null, or kind `logged-out`) tells nothing. */
const WHY: Partial<Record<SessionErrorKind, string>> = {
  rejected: 'Your session has ended. Please sign in again.',
  'idle-timeout': 'You were signed out after a while without activity.',
  'session-expired': 'Your session has expired. Please sign in again.',
};
/** Kinds after which nobody is signed in; every other kind (network, timeout, http…) keeps the session. */
const ENDED: ReadonlySet<SessionErrorKind> = new Set(['rejected', 'idle-timeout', 'session-expired', 'logged-out']);

const toLogin = (kind: SessionErrorKind | undefined): ToLogin => ({ redirectTo: '/login', message: (kind && WHY[kind]) ?? false });

const statusOf = (error: unknown): number | undefined => {
  const e = error as { status?: unknown; response?: { status?: unknown } } | null;
  const status = e?.status ?? e?.response?.status;
  return typeof status === 'number' ? status : undefined;
};

/**
 * checkAuth and getIdentity wait for the session's answer (`whenRestored`), never start a
 * refresh of their own: ten concurrent checks during a restore cost the server one refresh.
 * checkError maps each SessionError kind: an ended session goes to the login page (with a
 * message saying why, none after a plain logout); a network failure, timeout or 5xx keeps the
 * user signed in. A 401 that reaches the app was already refreshed and replayed once by the
 * adapter: the server refuses even a fresh token, so the user signs in again. A 403 is not.
 */
export function createAuthProvider(session: Session, options: { loginUrl: string }): AuthProvider {
  return {
    async login({ username, password }) {
      const res = await fetch(options.loginUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) throw new Error('Wrong username or password');
      session.login((await res.json()) as TokenSet);
    },
    logout: () => session.logout(),
    async checkAuth() {
      const { isAuthenticated, error } = await whenRestored(session);
      if (!isAuthenticated) throw toLogin(error?.kind);
    },
    async checkError(error) {
      if (isSessionError(error)) {
        if (ENDED.has(error.kind)) throw toLogin(error.kind);
        return;
      }
      if (statusOf(error) === 401) throw toLogin('rejected');
    },
    async getIdentity() {
      const { claims, error } = await whenRestored(session);
      const sub = claims?.sub;
      if (typeof sub !== 'string') throw toLogin(error?.kind);
      return { id: sub, fullName: typeof claims?.name === 'string' ? claims.name : sub };
    },
    async getPermissions() {
      const roles = (await whenRestored(session)).claims?.roles;
      return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
    },
  };
}

// App.tsx:  <Admin authProvider={createAuthProvider(session, { loginUrl: '/auth/login' })} …>
