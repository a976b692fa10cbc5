import { shallowRef, toRef, type Ref } from 'vue';
import type { SessionSnapshot } from '../machine/types.js';
import { watchSession } from './watchSession.js';

/**
 * One piece of the session as a read-only ref, updated only when that piece changes (by
 * `isEqual`, default `Object.is`). Nothing else of the session is reactive, and the ref holds
 * the selected value as it is (no deep proxy). Annotate the snapshot to type its claims:
 * `(s: SessionSnapshot<Claims>) => …`.
 *
 * @example
 * const roles = useSessionSelector((s) => (s.claims?.roles as string[] | undefined) ?? [])
 * const canEdit = computed(() => roles.value.includes('editor'))
 */
export function useSessionSelector<T, Claims extends Record<string, unknown> = Record<string, unknown>>(
  selector: (snapshot: SessionSnapshot<Claims>) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): Readonly<Ref<T>> {
  // claims typed as the caller declares
  const select = (snapshot: SessionSnapshot) => selector(snapshot as SessionSnapshot<Claims>);
  const { snapshot } = watchSession('useSessionSelector', (next) => {
    const value = select(next);
    if (!isEqual(selected.value, value)) selected.value = value;
  });
  const selected = shallowRef(select(snapshot));
  return toRef(() => selected.value);
}
