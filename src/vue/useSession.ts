import { shallowRef, toRef, type Ref, type ShallowRef } from 'vue';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot } from '../machine/types.js';
import { watchSession } from './watchSession.js';

/**
 * The fields `useSession()` shows: the snapshot without the access token.
 *
 * @example
 * const field: VisibleField = 'status'
 */
export type VisibleField = 'status' | 'claims' | 'expiresAt' | 'error' | 'pending' | 'ending' | 'isAuthenticated' | 'isRestoring';

const FIELDS: readonly VisibleField[] = ['status', 'claims', 'expiresAt', 'error', 'pending', 'ending', 'isAuthenticated', 'isRestoring'];

/** One read-only ref per visible field of the snapshot. */
type Fields<Claims extends Record<string, unknown>> = { readonly [K in VisibleField]: Readonly<Ref<SessionSnapshot<Claims>[K]>> };

/**
 * What `useSession()` returns: one read-only ref per field (`status`, `claims`, `expiresAt`,
 * `error`, `pending`, `ending`, `isAuthenticated`, `isRestoring`; never the token) and the
 * session's actions. `Claims` types `claims`, as in `createSession<Claims>()`.
 *
 * @example
 * const { status, claims, touch }: UseSessionReturn<{ sub: string }> = useSession<{ sub: string }>()
 */
export interface UseSessionReturn<Claims extends Record<string, unknown> = Record<string, unknown>> extends Fields<Claims> {
  /** Signs in with a token set (your login answer); throws a `SessionError` for unusable tokens. */
  login: Session['login'];
  /** Ends the session everywhere; resolves once `revoke` settled (never rejects). */
  logout: Session['logout'];
  /** Refreshes now (joins a refresh in flight). */
  refresh: Session['refresh'];
  /** The current token, at once or after the refresh in flight. */
  getAccessToken: Session['getAccessToken'];
  /** User activity: resets the idle timer in every tab ("Stay signed in"). */
  touch: Session['touch'];
}

/**
 * The session for a component: read-only refs of its status, claims, expiry, error, pending
 * callers, ending, isAuthenticated and isRestoring, plus its actions (`touch()` is user
 * activity: "Stay signed in"). Each ref changes only when its own field does, so a template
 * that shows `status` does not re-render when `pending` moves. The subscription ends with the
 * component. `useSession<Claims>()` types `claims` (a declaration, not a check). Throws when no
 * session was provided above the component (`provideSession` or `sessionPlugin`).
 *
 * @example
 * const { status, claims, logout } = useSession<{ sub: string; name: string }>()
 * const name = computed(() => claims.value?.name ?? 'guest')
 */
export function useSession<Claims extends Record<string, unknown> = Record<string, unknown>>(): UseSessionReturn<Claims> {
  const state = new Map<VisibleField, ShallowRef<unknown>>();
  const { session, snapshot } = watchSession('useSession', (next) => {
    // A shallowRef notifies its readers only when the new value is not Object.is the old one.
    for (const [field, ref] of state) ref.value = next[field];
  });
  const fields: Partial<Record<VisibleField, Readonly<Ref<unknown>>>> = {};
  for (const field of FIELDS) {
    const ref = shallowRef<unknown>(snapshot[field]);
    state.set(field, ref);
    fields[field] = toRef(() => ref.value);
  }
  // The provided session is a plain Session: the payload type is the caller's declaration.
  return {
    ...(fields as Fields<Claims>),
    login: (tokens) => session.login(tokens),
    logout: () => session.logout(),
    refresh: () => session.refresh(),
    getAccessToken: (options) => session.getAccessToken(options),
    touch: () => session.touch(),
  };
}
