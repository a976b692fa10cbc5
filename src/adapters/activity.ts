import type { ActivitySource } from '../machine/types.js';

const EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'scroll', 'touchstart'] as const;

/**
 * User activity in a browser, for `idleTimeout`: pointer, keys, wheel and scroll (passive
 * listeners on the document), and the page becoming visible. Does nothing outside a browser.
 * The session takes at most one activity a second from it.
 *
 * @example
 * createSession({ refresh, idleTimeout: 15 * 60_000, activity: browserActivity }) // the default
 */
export const browserActivity: ActivitySource = (notify) => {
  if (typeof document === 'undefined') return () => {};
  const onVisibility = () => {
    if (document.visibilityState === 'visible') notify();
  };
  const options = { passive: true, capture: true } as const;
  for (const type of EVENTS) document.addEventListener(type, notify, options);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    for (const type of EVENTS) document.removeEventListener(type, notify, options);
    document.removeEventListener('visibilitychange', onVisibility);
  };
};
