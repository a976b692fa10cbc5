import { abandonFamily, isGone, newFamilyState, revokeFamily, rotateFamily, statusOf, type FamilyState } from './familyState.js';
import type { FamilyStore } from './storeTypes.js';

/** Every this many writes, families past their retention are swept out. */
const SWEEP_EVERY = 256;

/**
 * Families in this process's memory: the default store, for one server process, tests and the
 * browser (it uses only standard JS; MSW handlers can run it). Each step runs without an
 * `await` in between, so it is atomic. Use `redisFamilyStore` when several processes serve
 * refreshes.
 *
 * @example
 * const families = createTokenFamilies({ store: memoryFamilyStore() });
 */
export function memoryFamilyStore(): FamilyStore {
  const families = new Map<string, FamilyState>();
  const bySubject = new Map<string, Set<string>>();
  let writes = 0;
  let retainSeen = 0;

  function sweep(now: number) {
    if (++writes % SWEEP_EVERY !== 0) return;
    for (const [id, f] of families) if (isGone(f, now, retainSeen)) families.delete(id);
    for (const [subject, ids] of bySubject) {
      for (const id of ids) if (!families.has(id)) ids.delete(id);
      if (ids.size === 0) bySubject.delete(subject);
    }
  }

  return {
    async create(family) {
      retainSeen = family.retain;
      families.set(family.familyId, newFamilyState(family));
      const ids = bySubject.get(family.subject) ?? new Set<string>();
      ids.add(family.familyId);
      bySubject.set(family.subject, ids);
      sweep(family.now);
    },
    async rotate(step) {
      const { result, changed } = rotateFamily(families.get(step.familyId), step);
      if (changed) sweep(step.now);
      return result;
    },
    async abandon(step) {
      abandonFamily(families.get(step.familyId), step);
    },
    async revoke(step) {
      return revokeFamily(families.get(step.familyId), step);
    },
    async familiesOf(subject) {
      return [...(bySubject.get(subject) ?? [])];
    },
    async status(familyId, now, retain) {
      return statusOf(families.get(familyId), now, retain);
    },
    async setAccessTtl(familyId, ms, now, retain) {
      const f = families.get(familyId);
      if (!isGone(f, now, retain)) f.accessTtl = ms;
    },
  };
}
