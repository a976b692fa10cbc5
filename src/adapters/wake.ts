import type { WakeSource } from '../machine/types.js';

/**
 * Wakes the session when the page becomes visible, gains focus or comes back online: a tab
 * that slept past its token's expiry refreshes before its next request goes out. Does
 * nothing outside a browser.
 *
 * @example
 * createSession({ refresh, wake: browserWake }) // the default in a browser
 */
export const browserWake: WakeSource = (notify) => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
  const onVisibility = () => {
    if (document.visibilityState === 'visible') notify('visible');
  };
  const onFocus = () => notify('focus');
  const onOnline = () => notify('online');
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('focus', onFocus);
  window.addEventListener('online', onOnline);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('focus', onFocus);
    window.removeEventListener('online', onOnline);
  };
};
