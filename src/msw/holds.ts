/** Requests held until released: a slow refresh, a slow API. */
export function createHolds<K extends string>() {
  const holding = new Set<K>();
  const waiting = new Map<K, Array<() => void>>();
  return {
    isHeld: (key: K) => holding.has(key),
    hold: (key: K) => void holding.add(key),
    /** Stops holding `key` and lets every held request go on. */
    release(key: K) {
      holding.delete(key);
      for (const go of waiting.get(key)?.splice(0) ?? []) go();
    },
    /** Resolves `true` at once when `key` is not held, else when it is released; `false` if the request is aborted first. */
    wait(key: K | null, signal: AbortSignal): Promise<boolean> {
      if (signal.aborted) return Promise.resolve(false);
      if (key === null || !holding.has(key)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const go = () => {
          signal.removeEventListener('abort', stop);
          resolve(true);
        };
        const stop = () => {
          const list = waiting.get(key) ?? [];
          if (list.includes(go)) list.splice(list.indexOf(go), 1);
          resolve(false);
        };
        signal.addEventListener('abort', stop, { once: true });
        waiting.set(key, [...(waiting.get(key) ?? []), go]);
      });
    },
  };
}
