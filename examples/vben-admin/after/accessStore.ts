import { defineStore } from 'pinia';
import type { Session } from 'silent-session';
import { computed, shallowRef } from 'vue';

// AFTER: the access store mirrors the session, read-only (docs: Stores, the Pinia recipe). The
// guards, the lock screen and the "login expired" dialog read the same names as before.

// #region session
export function defineAccessStore(session: Session) {
  return defineStore('access', () => {
    const snapshot = shallowRef(session.getSnapshot());
    session.subscribe((next) => (snapshot.value = next));
    return {
      accessToken: computed(() => snapshot.value.accessToken),
      isAuthenticated: computed(() => snapshot.value.isAuthenticated),
      loginExpired: computed(() => snapshot.value.status === 'loggedOut' && snapshot.value.error !== null),
    };
  });
}
// #endregion
