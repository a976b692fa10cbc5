import { loginWins } from './login.js';
import type { Logins } from './logins.js';
import { scrubSecrets } from './redact.js';
import { normalizeTokens, spendable, supersedes, toTokenSet, type Tokens } from './tokens.js';
import { errorMessage } from './util.js';
import { within } from './within.js';
import type { TokenSet, TokenStorage } from './types.js';
import { msg } from './dev.js';

/**
 * What a clear is about: `login`, the whole login ends (logout, a lifetime end), so any set of
 * it goes; `tokens`, only these tokens are known dead (the server refused them), so a newer set
 * of the same login that another tab stored stays. Either way a set of another, newer login
 * stays: a tab removes only what it owns.
 */
export type ClearScope = 'login' | 'tokens';

/** The session's view of a TokenStorage: validated reads, ordered writes, and no throws. */
export interface StorageGate {
  /** Synchronous when the storage is; null for nothing stored or garbage (which is cleared). */
  load(): Tokens | null | Promise<Tokens | null>;
  /** Reads again after pending writes have landed (used inside the refresh lock). */
  reread(): Promise<Tokens | null>;
  /**
   * Writes the set whole, unless another tab wrote a set since this one last read or wrote
   * that supersedes it (rule 12).
   */
  save(tokens: Tokens): void | Promise<void>;
  /**
   * `save`, telling how it went once it has: null when the set was written (or the storage
   * failed and the session goes on in memory), or the set another tab stored that superseded
   * it, so nothing was written.
   */
  store(tokens: Tokens): Promise<Tokens | null>;
  /** Writes a login's set whole, replacing whatever is stored. */
  replace(tokens: Tokens): void | Promise<void>;
  /** Waits for another tab's write (or `timeout`), where the storage can tell; else returns at once. */
  waitForChange(timeout: number, signal: AbortSignal): Promise<void>;
  /**
   * Clears the stored set and the login record if they are `owner`'s (see {@link ClearScope});
   * `owner` null: a session still restoring, which owns no set stored after it started.
   */
  clear(owner: Tokens | null, scope: ClearScope): void;
}

/**
 * Wraps a storage so that no failure of it reaches the session: a throwing load starts
 * logged out, a throwing write is reported once and the session goes on in memory, and
 * asynchronous writes land in the order they were made.
 */
export function guardStorage(storage: TokenStorage, now: () => number, warn: (message: string) => void, timeout = 10_000, record?: Pick<Logins, 'remember' | 'forget'>): StorageGate {
  const started = now();
  let queue: Promise<void> | undefined;
  // What the stored set spends, as this gate last read or wrote it (see `spendable`).
  let known: string | null = null;
  const warned = new Set<string>();
  // Tokens this gate has read or written: a storage's error text may quote them (rule 11).
  const seen: string[] = [];
  const remember = (tokens: Tokens) => {
    for (const t of [tokens.accessToken, tokens.refreshToken]) if (t !== undefined && !seen.includes(t)) seen.push(t);
    seen.splice(0, Math.max(0, seen.length - 8));
  };
  const fail = (what: string) => (error: unknown) => {
    if (warned.has(what)) return;
    warned.add(what);
    warn(process.env.NODE_ENV !== 'production' ? `storage ${what} failed; the session goes on in memory (${scrubSecrets(errorMessage(error), seen)})` : msg('storage-failed'));
  };

  let writes = 0;
  // `since`: the write count when the read started. Garbage is cleared only if nothing was
  // written since (a login during a slow restore must survive), and never by a save's own read.
  const accept = (value: TokenSet | null | undefined, since: number): Tokens | null => {
    const tokens = parse(value, (error) => {
      const clear = since === writes;
      warn(process.env.NODE_ENV !== 'production' ? `ignoring unusable stored tokens (${errorMessage(error)})${clear ? '; clearing them' : ''}` : msg('storage-unusable'));
      // by the time the clear runs, another tab may have stored a good set: only garbage goes
      if (clear) write(() => then(peek(), (current) => (current === undefined ? storage.clear() : undefined)), 'clear');
    });
    if (!tokens) return null;
    remember(tokens);
    known = spendable(tokens);
    return tokens;
  };

  /** A stored value as tokens: null for nothing, undefined for garbage (`garbage` is told why). */
  function parse(value: TokenSet | null | undefined, garbage?: (error: unknown) => void): Tokens | null | undefined {
    try {
      return value == null ? null : normalizeTokens(value, now(), 'stored', 'stored tokens');
    } catch (error) {
      garbage?.(error);
      return undefined;
    }
  }

  /** The stored set as it is now, without side effects; unreadable counts as garbage. */
  function peek(): Tokens | null | undefined | Promise<Tokens | null | undefined> {
    try {
      const value = storage.load();
      return isPromise<TokenSet | null>(value) ? Promise.resolve(value).then((v) => parse(v), () => undefined) : parse(value);
    } catch {
      return undefined;
    }
  }

  /** True when `stored` is not `owner`'s to clear (see ClearScope). */
  function foreign(stored: Tokens | null | undefined, owner: Tokens | null, scope: ClearScope): boolean {
    if (stored === null || stored === undefined) return false;
    if (owner === null) return stored.login !== null && stored.login.at >= started; // a login made since we started
    if (spendable(stored) === spendable(owner)) return false;
    return scope === 'tokens' ? supersedes(stored, owner) : loginWins(stored.login, owner.login);
  }

  function write(op: () => void | Promise<void>, what: string): void | Promise<void> {
    writes++;
    const start = (): Promise<void> | undefined => {
      try {
        const result = op();
        // A write that never settles must not hold every later write and re-read behind it
        // (rule 2): past `timeout` it counts as failed and the queue moves on.
        if (isPromise(result)) return within(result, timeout, () => new Error(`the storage did not finish a ${what} within ${timeout} ms`)).then(undefined, fail(what));
      } catch (error) {
        fail(what)(error);
      }
      return undefined;
    };
    const next = queue ? queue.then(start) : start();
    if (!next) return;
    queue = next;
    void next.then(() => {
      if (queue === next) queue = undefined;
    });
    return next;
  }

  /** Writes `tokens` unless another tab stored a set since that supersedes them (then tells `skipped`). */
  function saveUnlessSuperseded(tokens: Tokens, skipped?: (current: Tokens) => void): void | Promise<void> {
    return write(() => {
      const basis = known;
      const stored = load(false); // garbage is about to be overwritten
      const decide = (current: Tokens | null) => {
        if (current === null || spendable(current) === basis || !supersedes(current, tokens)) return put(tokens);
        skipped?.(current);
        return undefined;
      };
      return isPromise(stored) ? stored.then(decide) : decide(stored);
    }, 'save');
  }

  function put(tokens: Tokens) {
    remember(tokens);
    known = spendable(tokens);
    record?.remember(tokens.login);
    return storage.save(toTokenSet(tokens));
  }

  function load(clearGarbage = true): Tokens | null | Promise<Tokens | null> {
    const since = clearGarbage ? writes : -1;
    try {
      const value = storage.load();
      // Promise.resolve: a native promise even for a thenable of another realm (an iframe's storage)
      return isPromise(value)
        ? Promise.resolve(value).then((v) => accept(v, since), (error) => (fail('load')(error), null))
        : accept(value, since);
    } catch (error) {
      fail('load')(error);
      return null;
    }
  }

  return {
    load,
    async reread() {
      await queue;
      return load();
    },
    save: (tokens) => saveUnlessSuperseded(tokens),
    store(tokens) {
      let newer: Tokens | null = null;
      return Promise.resolve(saveUnlessSuperseded(tokens, (current) => (newer = current))).then(() => newer);
    },
    replace: (tokens) => write(() => put(tokens), 'save'),
    waitForChange: async (timeout, signal) => {
      if (!storage.waitForChange) return;
      // no longer than asked, even if the storage forgets its own timeout; a storage that
      // cannot wait (throws, rejects) means: read again at once
      await within(Promise.resolve().then(() => storage.waitForChange?.(timeout, signal)), timeout, () => new Error('waited long enough')).catch(() => {});
    },
    clear: (owner, scope) =>
      void write(() => {
        known = null;
        return then(peek(), (stored) => {
          if (foreign(stored, owner, scope)) return undefined;
          if (owner !== null) record?.forget(owner.login);
          return storage.clear();
        });
      }, 'clear'),
  };
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** `f(value)`, after `value` settles if it is a promise (synchronous storages stay synchronous). */
function then<T, R>(value: T | Promise<T>, f: (value: T) => R | Promise<R>): R | Promise<R> {
  // Promise.resolve: a native promise even for a thenable of another realm (an iframe's storage)
  return isPromise<T>(value) ? Promise.resolve(value).then(f) : f(value);
}

