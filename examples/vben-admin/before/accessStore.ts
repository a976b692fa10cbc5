import { defineStore } from 'pinia';

// BEFORE: the access store holds (and, with the persistence plugin, persists) the tokens. Its
// `accessToken` is what the Authorization interceptor sends and the route guards check.
export const useAccessStore = defineStore('access', {
  state: () => ({
    // #region refresh
    accessToken: null as string | null,
    refreshToken: null as string | null,
    // #endregion
    loginExpired: false,
  }),
  actions: {
    // #region refresh
    setAccessToken(token: string | null) {
      this.accessToken = token;
    },
    setRefreshToken(token: string | null) {
      this.refreshToken = token;
    },
    // #endregion
    setLoginExpired(expired: boolean) {
      this.loginExpired = expired;
    },
  },
  // persist: true  (pinia-plugin-persistedstate; the tests install a plugin that does the same)
});
