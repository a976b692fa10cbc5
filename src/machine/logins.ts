import { loginOf, loginWins, newLogin, serverLoginAt, stampFields, type LoginStamp } from './login.js';
import type { StorageLike } from './storageLike.js';
import { withLogin, type Tokens } from './tokens.js';
import { errorMessage } from './util.js';
import { msg } from './dev.js';

/** The key of the login record when the app names none. */
export const LOGIN_RECORD_KEY = 'silent-session.login';

/** A token answer: what the server sent, and the tokens made of it. */
type Answer = { set: unknown; tokens: Tokens } | null;

/** How a session stamps its token sets: only login() starts a lifetime (DESIGN rule 14). */
export interface Logins {
  /** The stamp of a login(): a new id; its time the server's word, else now. */
  start(answer: Answer): LoginStamp;
  /**
   * The stamp of tokens that continue a session: `known` (the tokens replaced), else the login
   * record, else a continued stamp from now (reported once). The server's word sets the time.
   */
  continue(known: LoginStamp | null, answer: Answer): LoginStamp;
  /** Restored tokens, stamped (a set stored by an older version has none). */
  restored(tokens: Tokens | null): Tokens | null;
  /** Keeps `stamp` in the login record, unless it holds another login's that wins over it. */
  remember(stamp: LoginStamp | null): void;
  /** Removes the login record if it is `stamp`'s login: a tab removes only what it owns. */
  forget(stamp: LoginStamp | null): void;
}

/**
 * The session's login stamps, and the login record: the current login's stamp kept in a Web
 * Storage (`localStorage` by default in a browser) so that a reload continues it where the
 * tokens are not kept (cookie mode). No record storage: nothing is kept (a reload then learns
 * the login's time from the server, or counts from the reload, saying so).
 */
export function createLogins(o: {
  record: { storage: StorageLike | null | undefined; key?: string | undefined } | undefined;
  now: () => number;
  warn: (message: string) => void;
  maxSessionAge: number | null;
}): Logins {
  const storage = o.record?.storage ?? null;
  const key = o.record?.key ?? LOGIN_RECORD_KEY;
  const told = new Set<string>();
  const once = (message: string) => told.has(message) || (told.add(message), o.warn(message));
  // The record: a storage that throws is reported once and read as empty.
  const use = <T>(what: string, f: (s: StorageLike) => T): T | null => {
    try {
      return storage && f(storage);
    } catch (error) {
      once(process.env.NODE_ENV !== 'production' ? `login record "${key}": ${what} failed (${errorMessage(error)})` : msg('login-record-failed'));
      return null;
    }
  };
  /** The stamp kept (null: none; false: one this library would not have written). */
  const kept = (strict: boolean): LoginStamp | null | false => {
    const raw = use('reading', (s) => s.getItem(key));
    if (raw == null) return null;
    try {
      return loginOf(JSON.parse(raw) as Record<string, unknown>, o.now(), (why) => { throw new Error(why); }) ?? false;
    } catch (error) {
      if (!strict) return false;
      // (JSON.parse's own message quotes the value)
      o.warn(process.env.NODE_ENV !== 'production' ? `login record "${key}" is not one this library wrote (${error instanceof SyntaxError ? 'not JSON' : errorMessage(error)}); removing it` : msg('login-record-foreign'));
      use('removing', (s) => s.removeItem(key));
      return false;
    }
  };
  const serverSays = (answer: Answer) =>
    answer && serverLoginAt(answer.set, answer.tokens.claims, o.now(), () =>
      once(process.env.NODE_ENV !== 'production' ? 'loginAt was read as epoch seconds; send milliseconds (auth_time is the field in seconds)' : msg('login-at-seconds')));

  function found(answer: Answer): LoginStamp {
    const server = serverSays(answer);
    const record = kept(true);
    if (server !== null) return record ? { id: record.id, at: server } : newLogin(server);
    if (record) return record;
    // a record this library would not have written must not extend the session: its age is over
    if (record === false) return newLogin(0, true);
    if (o.maxSessionAge !== null) {
      once(process.env.NODE_ENV !== 'production' ? 'maxSessionAge counts from now: nothing says when this session’s login was (keep a loginRecord, or have the server send loginAt)' : msg('login-at-unknown'));
    }
    return newLogin(o.now(), true);
  }

  return {
    start: (answer) => newLogin(serverSays(answer) ?? o.now()),
    continue(known, answer) {
      const server = known && serverSays(answer);
      return !known ? found(answer) : server === null ? known : { id: known.id, at: server };
    },
    restored: (tokens) => (tokens?.login === null ? withLogin(tokens, found(null)) : tokens),
    remember(stamp) {
      const record = kept(false);
      const value = stamp && JSON.stringify(stampFields(stamp));
      if (value && !loginWins(record || null, stamp) && use('reading', (s) => s.getItem(key)) !== value) use('writing', (s) => s.setItem(key, value));
    },
    forget(stamp) {
      const record = kept(false);
      if (record && record.id === stamp?.id) use('removing', (s) => s.removeItem(key));
    },
  };
}
