import { normalizeTokens } from '../machine/tokens.js';
import type { StorageLike, TokenSet, TokenStorage } from '../machine/types.js';
import { defaultWarn, errorMessage } from '../machine/util.js';
import { msg } from '../machine/dev.js';

export type { StorageLike } from '../machine/types.js';

/** Options of {@link webStorage}. */
export interface WebStorageOptions {
  /** The one key the whole token set is stored under. */
  key: string;
  /** Where warnings go (default `console.warn`). */
  onWarning?: (message: string) => void;
}

/**
 * Stores the token set as ONE JSON value under one key of `localStorage`/`sessionStorage`,
 * so a crash can never leave a new access token next to an old refresh token. Garbage under
 * the key is cleared and reads as "logged out"; a storage that throws (quota, Safari private
 * mode, no `window`) is reported once and the session goes on in memory.
 *
 * @example
 * createSession({ refresh, storage: webStorage(localStorage, { key: 'app.session' }) })
 */
export function webStorage(storage: StorageLike | null | undefined, options: WebStorageOptions): TokenStorage {
  const { key } = options;
  const shared = storage != null && storage === pageLocalStorage();
  const warn = options.onWarning ?? defaultWarn;
  let memory: TokenSet | null = null;
  let usable = storage != null;
  let warned = false;

  const fallBack = (what: string, error: unknown) => {
    usable = false;
    if (warned) return;
    warned = true;
    warn(process.env.NODE_ENV !== 'production' ? `webStorage "${key}": ${what} failed (${error instanceof Error ? error.name : String(error)}); keeping tokens in memory` : msg('web-storage-failed'));
  };
  if (storage == null) fallBack('opening the storage', 'no storage available');

  return describedAs({ key, shared }, {
    load() {
      if (!usable || storage == null) return memory;
      let raw: string | null;
      try {
        raw = storage.getItem(key);
      } catch (error) {
        fallBack('reading', error);
        return memory;
      }
      if (raw === null) return null;
      const tokens = parseTokenSet(raw, (why) => warn(process.env.NODE_ENV !== 'production' ? `webStorage "${key}": the stored value is not a token set (${why}); clearing it` : msg('web-storage-unusable')));
      if (tokens === null) {
        try {
          storage.removeItem(key);
        } catch (error) {
          fallBack('clearing', error);
        }
      }
      return tokens;
    },
    save(tokens) {
      memory = { ...tokens };
      if (storage == null) return;
      try {
        storage.setItem(key, JSON.stringify(memory));
        usable = true;
      } catch (error) {
        fallBack('writing', error);
        // The pair left there was just replaced (with rotation, its refresh token is spent and
        // would get the login revoked on the next page load): better nothing than that.
        try {
          storage.removeItem(key);
        } catch {
          // already reported
        }
      }
    },
    clear() {
      memory = null;
      if (storage == null) return;
      try {
        storage.removeItem(key);
      } catch (error) {
        fallBack('clearing', error);
      }
    },
    waitForChange(timeout, signal) {
      const target = globalThis as { addEventListener?: Window['addEventListener']; removeEventListener?: Window['removeEventListener'] };
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          target.removeEventListener?.('storage', onStorage);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const onStorage = (event: StorageEvent) => {
          if (event.key === key || event.key === null) done(); // null: another tab cleared everything
        };
        const timer = setTimeout(done, timeout);
        target.addEventListener?.('storage', onStorage);
        signal?.addEventListener('abort', done, { once: true });
        if (signal?.aborted) done();
      });
    },
  });
}

// What createSession reads of a storage made by webStorage (a registered symbol: another copy of
// the library reads it too). Not enumerable: a spread or JSON of the storage does not show it.
const DESCRIPTION = Symbol.for('silent-session.webStorage');

/** What a webStorage is: its key, and whether it is the page's localStorage, which every tab of the origin shares. */
export interface StorageDescription {
  key: string;
  shared: boolean;
}

function describedAs(description: StorageDescription, storage: TokenStorage): TokenStorage {
  return Object.defineProperty(storage, DESCRIPTION, { value: Object.freeze(description) });
}

/** The description of a storage made by webStorage; undefined for any other (memoryStorage, an app's own). */
export function describeStorage(storage: unknown): StorageDescription | undefined {
  if (typeof storage !== 'object' || storage === null) return undefined;
  const found = (storage as { [DESCRIPTION]?: unknown })[DESCRIPTION];
  return typeof found === 'object' && found !== null ? (found as StorageDescription) : undefined;
}

/** The page's localStorage; undefined outside a browser or where reading it throws (sandboxed frames). */
function pageLocalStorage(): unknown {
  try {
    return (globalThis as { localStorage?: unknown }).localStorage;
  } catch {
    return undefined;
  }
}

/**
 * Parses a stored value; null unless the session can use it (the session's own check of token
 * sets), after telling `unusable` why.
 */
function parseTokenSet(raw: string, unusable: (why: string) => void = () => {}): TokenSet | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    unusable('not JSON'); // (the parser's message quotes the value, which may hold a token)
    return null;
  }
  try {
    // read like another tab's set: whether its login stamp is sound is the session's to judge,
    // on the session's own clock (its `now` option), when it loads the set
    normalizeTokens(value, Date.now(), 'tab', 'stored tokens');
    return value as TokenSet;
  } catch (error) {
    unusable(errorMessage(error));
    return null;
  }
}
