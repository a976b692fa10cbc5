import type { DpopKeyPair } from './key.js';

/**
 * Where the DPoP key pair lives, one per name (the session's storage key). Every method may be
 * async. What `load` returns is checked: anything that is not an ES256 key pair is replaced.
 *
 * @example
 * const pairs = new Map<string, DpopKeyPair>();
 * const store: DpopKeyStore = {
 *   load: async (name) => pairs.get(name) ?? null,
 *   save: async (name, pair) => void pairs.set(name, pair),
 *   delete: async (name) => void pairs.delete(name),
 * };
 */
export interface DpopKeyStore {
  /** The pair stored under `name`, or null. */
  load(name: string): Promise<DpopKeyPair | null | undefined>;
  /** Stores `pair` under `name`, replacing what was there. */
  save(name: string, pair: DpopKeyPair): Promise<void>;
  /** Removes the pair stored under `name` (nothing there is fine). */
  delete(name: string): Promise<void>;
  /**
   * Optional: stores `pair` only if nothing is stored under `name`, and resolves with what is
   * stored afterwards — atomically, so two tabs that need a key at the same moment end up with
   * the same one. Without it the binding saves and reads back (the last writer wins).
   */
  add?(name: string, pair: DpopKeyPair): Promise<DpopKeyPair>;
  /** A word for `toJSON` and messages ("indexedDB", "memory"). */
  readonly kind?: string;
}

/**
 * Keeps key pairs in this JavaScript realm only: the default in Node, and for tests. A reload
 * forgets them, and other tabs cannot see them.
 *
 * @example
 * const binding = dpop({ keyStore: memoryKeyStore() });
 */
export function memoryKeyStore(): DpopKeyStore {
  const pairs = new Map<string, DpopKeyPair>();
  return {
    kind: 'memory',
    load: async (name) => pairs.get(name) ?? null,
    save: async (name, pair) => void pairs.set(name, pair),
    delete: async (name) => void pairs.delete(name),
    add: async (name, pair) => {
      const stored = pairs.get(name);
      if (stored) return stored;
      pairs.set(name, pair);
      return pair;
    },
  };
}
