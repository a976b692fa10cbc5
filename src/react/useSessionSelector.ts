import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { SessionSnapshot } from '../machine/types.js';
import { useSessionContext } from './SessionProvider.js';

/**
 * Reads one piece of the session; the component re-renders only when that piece changes
 * (by `isEqual`, default `Object.is`). Built on `useSyncExternalStore`: no state copy.
 *
 * Annotate the snapshot to type its claims: `(s: SessionSnapshot<Claims>) => …`.
 *
 * @example
 * const status = useSessionSelector((s) => s.status)
 * const roles = useSessionSelector((s: SessionSnapshot<{ roles: string[] }>) => s.claims?.roles, shallowEqual)
 */
export function useSessionSelector<T, Claims extends Record<string, unknown> = Record<string, unknown>>(
  selector: (snapshot: SessionSnapshot<Claims>) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  const { session, serverSnapshot } = useSessionContext('useSessionSelector');
  // The last answer, kept across renders so an equal selection keeps its identity.
  const memo = useRef<{ snapshot: SessionSnapshot; selector: unknown; value: T } | null>(null);
  const select = (snapshot: SessionSnapshot): T => {
    const last = memo.current;
    if (last !== null && last.snapshot === snapshot && last.selector === selector) return last.value;
    const next = selector(snapshot as SessionSnapshot<Claims>); // claims typed as the caller declares
    const value = last !== null && isEqual(last.value, next) ? last.value : next;
    memo.current = { snapshot, selector, value };
    return value;
  };
  const subscribe = useCallback((onChange: () => void) => session.subscribe(onChange), [session]);
  return useSyncExternalStore(
    subscribe,
    () => select(session.getSnapshot()),
    () => select(serverSnapshot),
  );
}
