// The Web Storage shape the library writes to (webStorage, the login record); a leaf module,
// re-exported by types.ts.

/**
 * The part of the Web Storage API that {@link webStorage} and the login record use, written out
 * so the types need no DOM lib (a Node project type-checks them too). `localStorage`,
 * `sessionStorage` and any object with these three methods fit.
 *
 * @example
 * const store = new Map<string, string>()
 * const storage: StorageLike = {
 *   getItem: (key) => store.get(key) ?? null,
 *   setItem: (key, value) => void store.set(key, value),
 *   removeItem: (key) => void store.delete(key),
 * }
 */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Where the login stamp (an id and the login's time; no secret) is kept between page loads,
 * so that `maxSessionAge` counts from the login across reloads and tabs in cookie mode.
 *
 * @example
 * createSession({ refresh, checkSession: true, maxSessionAge: 8 * 3_600_000, loginRecord: { storage: sessionStorage } })
 */
export interface LoginRecordOptions {
  /** The storage (`localStorage` by default in a browser); null: no record (a failure is reported once). */
  storage: StorageLike | null | undefined;
  /** The key (default `silent-session.login`). */
  key?: string | undefined;
}
