import type { Agent } from 'node:http';

/**
 * What the articles' code takes from the browser, supplied in Node: `localStorage`, the
 * `window.location.href = '/login'` redirect (counted instead of navigating), a `console`
 * (silenced during a run; the articles log refresh failures), the API's base URL and the
 * connection pool every client of a table shares. Each call of a baseline factory is one
 * fresh "page load": the articles keep their flags and queues in module scope.
 */
export interface BrowserEnv {
  baseURL: string;
  localStorage: Storage;
  window: { location: { href: string } };
  console: Pick<Console, 'error' | 'warn' | 'log'>;
  httpAgent: Agent;
  /** How many times the code sent the user to /login. */
  readonly redirects: number;
}

export function browserEnv(baseURL: string, httpAgent: Agent, tokens: { accessToken: string; refreshToken: string }): BrowserEnv {
  const localStorage = memoryLocalStorage();
  localStorage.setItem('accessToken', tokens.accessToken);
  localStorage.setItem('refreshToken', tokens.refreshToken);
  let redirects = 0;
  let href = '/';
  const quiet = () => {};
  return {
    baseURL,
    localStorage,
    window: {
      location: {
        get href() {
          return href;
        },
        set href(value: string) {
          href = value;
          redirects++;
        },
      },
    },
    console: { error: quiet, warn: quiet, log: quiet },
    httpAgent,
    get redirects() {
      return redirects;
    },
  };
}

/** The Web Storage API over a Map (what localStorage is, minus persistence). */
export function memoryLocalStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, String(value)),
  };
}
