import type { TokenSet, TokenStorage } from './types.js';

/**
 * Keeps the token set in this JavaScript realm only (lost on reload). The default storage.
 *
 * @example
 * const session = createSession({ refresh, storage: memoryStorage() })
 */
export function memoryStorage(): TokenStorage {
  let value: TokenSet | null = null;
  return {
    load: () => value,
    save: (tokens) => {
      value = { ...tokens };
    },
    clear: () => {
      value = null;
    },
  };
}
