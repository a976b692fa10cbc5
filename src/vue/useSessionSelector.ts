import { shallowRef, toRef, type Ref } from 'vue';
import type { SessionSnapshot } from '../machine/types.js';
import { watchSession } from './watchSession.js';

/**
 * One piece of the session as a read-only ref, updated only when that piece changes (by
 * `isEqual`, default `Object.is`). Nothing else of the session is reactive, and the ref holds
 * the selected value as it is (no deep proxy).
 *
 * @example
 * const roles = useSessionSelector((s) => (s.claims?.roles as string[] | undefined) ?? [])
 * const canEdit = computed(() => roles.value.includes('editor'))
 */
export function useSessionSelector<T>(
  selector: (snapshot: SessionSnapshot) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): Readonly<Ref<T>> {
  const { snapshot } = watchSession('useSessionSelector', (next) => {
    const value = selector(next);
    if (!isEqual(selected.value, value)) selected.value = value;
  });
  const selected = shallowRef(selector(snapshot));
  return toRef(() => selected.value);
}
