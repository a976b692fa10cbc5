import type { ActivitySource } from '../../src/index.js';

const EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'scroll', 'touchstart'] as const;

/**
 * What the library's `browserActivity` counts (pointer, keys, wheel, scroll, the page becoming
 * visible), except inside elements matching `selector`. The sign-out warning is one: reaching
 * for its "Sign out" button is not "I'm still here" — its pointerdown would end an idle warning
 * and remove the button before the click lands.
 */
export function activityOutside(selector: string): ActivitySource {
  return (notify) => {
    const onEvent = (event: Event) => {
      if (!(event.target instanceof Element && event.target.closest(selector))) notify();
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') notify();
    };
    const options = { passive: true, capture: true } as const;
    for (const type of EVENTS) document.addEventListener(type, onEvent, options);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      for (const type of EVENTS) document.removeEventListener(type, onEvent, options);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  };
}
