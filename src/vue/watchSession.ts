import { getCurrentScope, onScopeDispose } from 'vue';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot } from '../machine/types.js';
import { injectSession } from './provideSession.js';

// On the server nothing subscribes: a rendered component is never unmounted there, so a
// subscription would outlive the request.
const onServer = typeof window === 'undefined';

/**
 * The provided session and its current snapshot; `onChange` gets every later snapshot until
 * the caller's scope (its component, or an `effectScope`) ends.
 */
export function watchSession(
  composable: string,
  onChange: (snapshot: SessionSnapshot) => void,
): { session: Session; snapshot: SessionSnapshot } {
  const { session, serverSnapshot } = injectSession(composable);
  if (onServer) return { session, snapshot: serverSnapshot };
  if (!getCurrentScope()) {
    throw new Error(`${composable}() must run inside a component's setup() or an effectScope(): its subscription ends with that scope`);
  }
  onScopeDispose(session.subscribe(onChange));
  return { session, snapshot: session.getSnapshot() };
}
