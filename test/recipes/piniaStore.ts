// stores.ts — the app's auth store, a read-only mirror of the session (Pinia).
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { Session, TokenSet } from '../../src/index.js';

/**
 * The store your guards, lock screen and "login expired" modal already read, with the session
 * as its only source. Everything is a getter over the session's snapshot: nothing here can be
 * written, `$patch`ed, hydrated or persisted (pinia-plugin-persistedstate saves `$state`, and
 * the snapshot is deliberately not part of it). The tokens persist once, through the session's
 * own `webStorage` (or, in cookie mode, `checkSession`).
 */
export function defineAccessStore<Claims extends Record<string, unknown>>(session: Session<Claims>) {
  return defineStore('access', () => {
    const snapshot = shallowRef(session.getSnapshot());
    session.subscribe((next) => (snapshot.value = next)); // lives as long as the app, as the store does

    return {
      accessToken: computed(() => snapshot.value.accessToken),
      claims: computed(() => snapshot.value.claims),
      status: computed(() => snapshot.value.status),
      isRestoring: computed(() => snapshot.value.isRestoring),
      isAuthenticated: computed(() => snapshot.value.isAuthenticated),
      /** Why the last session ended, for a "login expired" modal; null after a plain logout. */
      endedBecause: computed(() => (snapshot.value.status === 'loggedOut' ? (snapshot.value.error?.kind ?? null) : null)),
      login: (tokens: TokenSet) => session.login(tokens),
      logout: () => session.logout(),
    };
  });
}

// main.ts:  export const useAccessStore = defineAccessStore(session)
