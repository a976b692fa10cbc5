import type { ActivitySource } from '../machine/types.js';

/** Input only a person makes (when the browser says so: `isTrusted`). */
const INPUT = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;
/**
 * A scroll counts only this soon (ms) after a person's input: pages scroll themselves (a
 * ticker, a live feed, `scrollIntoView`), and the browser marks those scroll events trusted too.
 */
const SCROLL_AFTER_INPUT_MS = 1_000;

/**
 * User activity in a browser, for `idleTimeout`: what a person does — pointer, keys, wheel and
 * touch, scrolling they caused, and the page becoming visible. Only events the browser marks
 * as trusted count, so a page that dispatches its own events or scrolls itself never keeps an
 * unattended session alive (DESIGN rule 14). Passive listeners on the document; does nothing
 * outside a browser. The session takes at most one activity a second from it.
 *
 * @example
 * createSession({ refresh, idleTimeout: 15 * 60_000, activity: browserActivity }) // the default
 */
export const browserActivity: ActivitySource = (notify) => {
  if (typeof document === 'undefined') return () => {};
  // the page's monotonic clock: a wall clock set back must not hold the window open
  let lastInput = -Infinity;
  const onInput = (event: Event) => {
    if (!event.isTrusted) return;
    lastInput = performance.now();
    notify();
  };
  const onScroll = (event: Event) => {
    if (event.isTrusted && performance.now() - lastInput <= SCROLL_AFTER_INPUT_MS) notify();
  };
  const onVisibility = (event: Event) => {
    if (event.isTrusted && document.visibilityState === 'visible') notify();
  };
  const options = { passive: true, capture: true } as const;
  for (const type of INPUT) document.addEventListener(type, onInput, options);
  document.addEventListener('scroll', onScroll, options);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    for (const type of INPUT) document.removeEventListener(type, onInput, options);
    document.removeEventListener('scroll', onScroll, options);
    document.removeEventListener('visibilitychange', onVisibility);
  };
};
