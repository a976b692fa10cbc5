import { loginOf, loginWins, stampFields, type LoginStamp } from './login.js';
import type { StorageLike } from './storageLike.js';
import { errorMessage } from './util.js';

/**
 * Where the current login's stamp (id and time, no secret) is kept so that a reload continues
 * it where the tokens themselves are not kept (cookie mode: memoryStorage). DESIGN rule 14.
 */
export interface LoginRecord {
  /**
   * The stamp kept: null when there is none; `false` when there is one this library would not
   * have written (garbage, or a time more than a minute ahead), which is reported and removed.
   */
  read(): LoginStamp | null | false;
  /** Keeps `stamp`, unless the record holds another login's that wins over it (rule 12). */
  remember(stamp: LoginStamp | null): void;
  /** Removes the record if it is `stamp`'s login: a tab removes only what it owns. */
  forget(stamp: LoginStamp | null): void;
}

/** The key of the login record when the app names none. */
export const LOGIN_RECORD_KEY = 'silent-session.login';

/**
 * A login record on a Web Storage (`localStorage` by default in a browser). Without one, or
 * once it throws, the record lives in memory for this page (reported once).
 */
export function createLoginRecord(o: {
  storage: StorageLike | null | undefined;
  key: string;
  now: () => number;
  warn: (message: string) => void;
}): LoginRecord {
  let storage = o.storage ?? null;
  let memory: string | null = null;
  const fallBack = (what: string, error: unknown) => {
    if (storage !== null) o.warn(`login record "${o.key}": ${what} failed (${errorMessage(error)}); keeping it in memory for this page`);
    storage = null;
  };
  const get = (): string | null => {
    if (storage === null) return memory;
    try {
      return storage.getItem(o.key);
    } catch (error) {
      fallBack('reading', error);
      return memory;
    }
  };
  const set = (value: string | null) => {
    memory = value;
    if (storage === null) return;
    try {
      if (value === null) storage.removeItem(o.key);
      else storage.setItem(o.key, value);
    } catch (error) {
      fallBack(value === null ? 'removing' : 'writing', error);
    }
  };
  /** The stamp in `raw`; `false` when it is not one. */
  const parse = (raw: string, strict: boolean): LoginStamp | false => {
    try {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new Error('not JSON');
      }
      if (typeof value !== 'object' || value === null) throw new Error('not an object');
      const stamp = loginOf(value as Record<string, unknown>, o.now(), (why) => {
        throw new Error(why);
      });
      if (stamp === null) throw new Error('no login stamp');
      return stamp;
    } catch (error) {
      if (strict) o.warn(`login record "${o.key}" is not one this library wrote (${errorMessage(error)}); removing it`);
      return false;
    }
  };

  return {
    read() {
      const raw = get();
      if (raw === null) return null;
      const stamp = parse(raw, true);
      if (stamp === false) set(null);
      return stamp;
    },
    remember(stamp) {
      if (stamp === null) return;
      const raw = get();
      const kept = raw === null ? false : parse(raw, false);
      if (kept !== false && kept.id === stamp.id && kept.at === stamp.at && kept.continued === stamp.continued) return;
      if (kept === false || kept.id === stamp.id || loginWins(stamp, kept)) set(JSON.stringify(stampFields(stamp)));
    },
    forget(stamp) {
      const raw = get();
      const kept = raw === null ? false : parse(raw, false);
      if (stamp !== null && kept !== false && kept.id === stamp.id) set(null);
    },
  };
}
