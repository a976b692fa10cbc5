import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot } from '../machine/types.js';
import { LOGGED_OUT_SNAPSHOT } from '../machine/snapshot.js';
import { msg } from '../machine/dev.js';

export { LOGGED_OUT_SNAPSHOT };

interface SessionContextValue {
  session: Session;
  serverSnapshot: SessionSnapshot;
}

const SessionReactContext = createContext<SessionContextValue | null>(null);


/**
 * Props of {@link SessionProvider}.
 *
 * @example
 * <SessionProvider session={session} serverSnapshot={LOGGED_OUT_SNAPSHOT}><App /></SessionProvider>
 */
export interface SessionProviderProps {
  /** The session, created once at module scope. */
  session: Session;
  /** The snapshot used while rendering on the server (default: logged out). */
  serverSnapshot?: SessionSnapshot;
  /** What may call the hooks. */
  children?: ReactNode;
}

/**
 * Makes a session available to `useSession()` and `useSessionSelector()` below it. Create the
 * session outside React (module scope), so StrictMode's double mount cannot create two.
 *
 * @example
 * const session = createSession({ refresh: jsonRefresh({ url: '/auth/refresh' }) })
 * root.render(<SessionProvider session={session}><App /></SessionProvider>)
 */
export function SessionProvider({ session, serverSnapshot = LOGGED_OUT_SNAPSHOT, children }: SessionProviderProps) {
  // One value per session: a new object per render would re-render every consumer.
  const value = useMemo(() => ({ session, serverSnapshot }), [session, serverSnapshot]);
  return <SessionReactContext.Provider value={value}>{children}</SessionReactContext.Provider>;
}

/** The provider's server snapshot, or logged out without a provider (for the debugging views). */
export function useServerSnapshot(): SessionSnapshot {
  return useContext(SessionReactContext)?.serverSnapshot ?? LOGGED_OUT_SNAPSHOT;
}

/** The provider's value; throws a clear error outside a provider. */
export function useSessionContext(hook: string): SessionContextValue {
  const value = useContext(SessionReactContext);
  if (value === null) {
    throw new Error(process.env.NODE_ENV !== 'production' ? `${hook}() must be used inside <SessionProvider session={…}>; none was found above this component` : msg('no-provider'));
  }
  return value;
}
