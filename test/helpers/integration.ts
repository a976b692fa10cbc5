import { onTestFinished } from 'vitest';
import {
  createSession,
  isSessionError,
  jsonRefresh,
  webStorage,
  type JsonRefreshOptions,
  type Session,
  type SessionError,
  type SessionOptions,
  type StorageLike,
  type TokenSet,
} from '../../src/index.js';
import type { AuthServer } from '../../demo/server/authServer.js';

export const STORAGE_KEY = 'app.session';

/**
 * A Storage-like object backed by a Map, the way `localStorage` behaves in a browser. It
 * records every value written, and can refuse writes the way a full quota (or Safari's
 * private mode) does.
 */
export function inMemoryWebStorage(options: { failWrites?: boolean; initial?: Record<string, string> } = {}) {
  const data = new Map<string, string>(Object.entries(options.initial ?? {}));
  const writes: string[] = [];
  const storage: StorageLike = {
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      writes.push(String(value));
      if (options.failWrites) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      data.set(key, String(value));
    },
    removeItem: (key) => {
      data.delete(key);
    },
  };
  return {
    storage,
    data,
    /** Every value passed to setItem, in order (including refused ones). */
    writes,
    /** The raw string under the session key, or null. */
    raw: (): string | null => data.get(STORAGE_KEY) ?? null,
    /** The token set under the session key, parsed, or null. */
    tokens: (): TokenSet | null => {
      const raw = data.get(STORAGE_KEY);
      return raw === undefined ? null : (JSON.parse(raw) as TokenSet);
    },
  };
}

export type InMemoryWebStorage = ReturnType<typeof inMemoryWebStorage>;

/** Options of {@link startSession}: session options plus how jsonRefresh talks to the server. */
export interface StartSessionOptions extends Partial<Omit<SessionOptions, 'refresh' | 'storage'>> {
  refreshOptions?: Partial<JsonRefreshOptions>;
  /** The Storage-like the session's webStorage writes to (default: a fresh empty one). */
  web?: InMemoryWebStorage;
}

/**
 * A real session (createSession + jsonRefresh + webStorage) pointed at a real auth server,
 * collecting warnings and onLoggedOut calls. Stopped when the test ends.
 */
export function startSession(server: AuthServer, options: StartSessionOptions = {}) {
  const { refreshOptions, web = inMemoryWebStorage(), ...sessionOptions } = options;
  const warnings: string[] = [];
  const loggedOut: Array<SessionError | null> = [];
  const onWarning = (message: string) => warnings.push(message);
  const session: Session = createSession({
    wake: false,
    retry: { attempts: 2, backoff: () => 20 },
    refreshTimeout: 5_000,
    onWarning,
    onLoggedOut: (reason) => loggedOut.push(reason),
    ...sessionOptions,
    refresh: jsonRefresh({ url: `${server.url}/refresh`, ...refreshOptions }),
    storage: webStorage(web.storage, { key: STORAGE_KEY, onWarning }),
  });
  onTestFinished(() => session.stop());
  return {
    session,
    web,
    warnings,
    loggedOut,
    status: () => session.getSnapshot().status,
  };
}

/** The SessionError a promise rejects with; fails if it resolves or rejects with anything else. */
export async function sessionErrorOf(promise: Promise<unknown>): Promise<SessionError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (isSessionError(error)) return error;
    throw new Error(`expected a SessionError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a SessionError, but the promise resolved with ${String(outcome)}`);
}

/** Refresh requests the server saw, oldest first. */
export function refreshRequests(server: AuthServer) {
  return server.seen.filter((r) => r.method === 'POST' && r.path === '/refresh');
}

/**
 * Every token string in `tokens` that appears whole in one of `texts`: warnings and error
 * messages must show at most the last four characters.
 */
export function wholeTokensIn(texts: ReadonlyArray<string>, tokens: ReadonlyArray<string | undefined>): string[] {
  const found: string[] = [];
  for (const token of tokens) {
    if (!token) continue;
    for (const text of texts) if (text.includes(token)) found.push(`${token.slice(0, 12)}… in "${text.slice(0, 80)}"`);
  }
  return found;
}

/** Every message of an error and its causes, for the whole-token check. */
export function messagesOf(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) out.push(e.message, String(e.stack ?? ''));
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
