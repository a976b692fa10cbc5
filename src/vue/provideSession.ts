import { inject, provide, type App, type InjectionKey, type Plugin } from 'vue';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot } from '../machine/types.js';
import { LOGGED_OUT_SNAPSHOT } from '../machine/snapshot.js';

export { LOGGED_OUT_SNAPSHOT };

/** What `provideSession` hands down: the session and what to render on the server. */
export interface ProvidedSession {
  session: Session;
  serverSnapshot: SessionSnapshot;
}

/**
 * Options of {@link provideSession} and {@link sessionPlugin}.
 *
 * @example
 * app.use(sessionPlugin(session, { serverSnapshot: LOGGED_OUT_SNAPSHOT }))
 */
export interface ProvideSessionOptions {
  /** What `useSession()` shows while rendering on the server (default: logged out). */
  serverSnapshot?: SessionSnapshot;
}


const KEY: InjectionKey<ProvidedSession> = Symbol('silent-session');

const value = (session: Session, options: ProvideSessionOptions): ProvidedSession => ({
  session,
  serverSnapshot: options.serverSnapshot ?? LOGGED_OUT_SNAPSHOT,
});

/**
 * Makes a session available to `useSession()` in this component and every component below
 * it. Call it in the root component's `setup()`; create the session outside Vue (module scope).
 *
 * @example
 * const session = createSession({ refresh: jsonRefresh({ url: '/auth/refresh' }) })
 * const App = defineComponent({ setup() { provideSession(session); return () => h(RouterView) } })
 */
export function provideSession(session: Session, options: ProvideSessionOptions = {}): void {
  provide(KEY, value(session, options));
}

/**
 * The same as {@link provideSession}, for the whole app at once: `app.use(sessionPlugin(session))`.
 *
 * @example
 * createApp(App).use(sessionPlugin(session)).mount('#app')
 */
export function sessionPlugin(session: Session, options: ProvideSessionOptions = {}): Plugin {
  return { install: (app: App) => void app.provide(KEY, value(session, options)) };
}

/** The provided session; throws a clear error when none was provided above the caller. */
export function injectSession(composable: string): ProvidedSession {
  const provided = inject(KEY, null);
  if (provided === null) {
    throw new Error(
      `${composable}() found no session: call provideSession(session) in a parent component's setup(), or app.use(sessionPlugin(session))`,
    );
  }
  return provided;
}
