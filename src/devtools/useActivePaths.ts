import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { AnyActorRef } from 'xstate';

/** Dot paths of the active states, e.g. `['renewing', 'renewing.refreshing']`. */
function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [prefix + key, ...activePaths(child, `${prefix}${key}.`)]);
}

const samePaths = (a: string[], b: string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/**
 * The active state paths of an actor, read with React's own `useSyncExternalStore`, so the
 * debug view needs nothing but react (no @xstate/react). The same array is returned while the
 * paths stay the same, so the view re-renders only when the active states change.
 */
export function useActivePaths(actor: AnyActorRef): string[] {
  const last = useRef<{ value: unknown; paths: string[] } | null>(null);
  const subscribe = useActorSubscription(actor);
  const read = () => {
    const value: unknown = actor.getSnapshot().value;
    const previous = last.current;
    if (previous !== null && previous.value === value) return previous.paths;
    const fresh = activePaths(value);
    const paths = previous !== null && samePaths(previous.paths, fresh) ? previous.paths : fresh;
    last.current = { value, paths };
    return paths;
  };
  return useSyncExternalStore(subscribe, read, read);
}

/** A stable `subscribe` for `useSyncExternalStore` over an actor's snapshots (the debug views). */
export function useActorSubscription(actor: AnyActorRef): (onChange: () => void) => () => void {
  return useCallback(
    (onChange: () => void) => {
      const subscription = actor.subscribe({ next: onChange, error: onChange });
      return () => subscription.unsubscribe();
    },
    [actor],
  );
}
