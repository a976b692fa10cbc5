import axios, { isAxiosError, isCancel } from 'axios';
import ky, { isHTTPError, type Hooks } from 'ky';
import { describe, expect, it } from 'vitest';
import { createSession, isSessionError, jsonRefresh, type Session, type SessionErrorKind } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { appApi } from '../helpers/appApi.js';
import { kyBase, KY_MAJOR } from '../helpers/ky.js';
import { authServer } from '../helpers/server.js';
import type { AuthServer } from '../../demo/server/authServer.js';

// Issue 20 item 7: what an app's own error handlers receive when the session ends while a
// request waits for a token, per adapter, and the recipe (docs/clients.md, "When the session
// ends") that lets a vben-style error toast tell "signed out" from "server error". Real auth
// server behind a vben-style API.

// --- the recipe, as docs/clients.md shows it --------------------------------------------------

/** Kinds that mean the user is signed out: onLoggedOut already took them to the login page. */
const SIGNED_OUT: ReadonlySet<SessionErrorKind> = new Set(['logged-out', 'rejected', 'idle-timeout', 'session-expired']);

/** The toast a vben-style error handler shows for `error`; null for none. */
function toastFor(error: unknown): string | null {
  if (isSessionError(error)) return SIGNED_OUT.has(error.kind) ? null : 'Could not reach the server, please try again';
  if (isCancel(error)) return null;
  const status = (error as { response?: { status?: number } }).response?.status;
  if (status === 403) return 'Forbidden';
  return status === undefined ? 'Network error' : 'Internal Server Error';
}

// --- what each client's handlers see ----------------------------------------------------------

interface Seen {
  /** What the app's error handler (axios interceptor, ky beforeError) was given, if it was called. */
  handler: unknown[];
  /** What the caller's await rejected with. */
  caller: unknown;
}
type Client = (session: Session, base: string) => (path: string) => Promise<Seen>;

const viaKy = (api: typeof ky, handler: unknown[]) => async (path: string): Promise<Seen> => {
  try {
    await api.get(path.slice(1));
    return { handler, caller: null };
  } catch (error) {
    return { handler, caller: error };
  }
};
// ky 2 calls beforeError with { error } for every error; ky 1 only for an HTTPError (positional)
const beforeError = (handler: unknown[]) => (...args: unknown[]) => {
  const first = args[0] as Error | { error: Error };
  const error = first instanceof Error ? first : first.error;
  handler.push(error);
  return error;
};

const all: Array<[string, Client]> = [
  ['axios (a response interceptor)', (session, base) => {
    const handler: unknown[] = [];
    const api = axios.create({ baseURL: base });
    api.interceptors.response.use(undefined, (error: unknown) => {
      handler.push(error);
      return Promise.reject(error);
    });
    attachSession(api, session);
    return async (path) => {
      try {
        await api.get(path);
        return { handler, caller: null };
      } catch (error) {
        return { handler, caller: error };
      }
    };
  }],
  ['ky withSession (beforeError)', (session, base) => {
    const handler: unknown[] = [];
    return viaKy(withSession(ky.create({ ...kyBase(`${base}/`), retry: 0, hooks: { beforeError: [beforeError(handler)] } as Hooks }), session), handler);
  }],
  ['ky kyHooks (beforeError after ours)', (session, base) => {
    const handler: unknown[] = [];
    const ours = kyHooks(session);
    const hooks = { ...ours, beforeError: [...(ours.beforeError ?? []), beforeError(handler)] } as Hooks;
    return viaKy(ky.create({ ...kyBase(`${base}/`), retry: 0, hooks }), handler);
  }],
  ['fetch (the promise rejects)', (session, base) => {
    const authFetch = createAuthFetch(session, { baseUrl: base });
    return async (path) => {
      try {
        const res = await authFetch(path);
        // fetch resolves on an HTTP error: the app's wrapper turns it into its error
        if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { response: res });
        return { handler: [], caller: null };
      } catch (error) {
        return { handler: [], caller: error };
      }
    };
  }],
];
const clients = KY_MAJOR === 1 ? all.filter(([name]) => name.startsWith('ky')) : all;
/** Whether this client's own error handler sees a SessionError (ky 1 calls beforeError only for HTTP errors). */
const handlerSeesSessionErrors = (name: string) => !name.startsWith('fetch') && !(name.startsWith('ky') && KY_MAJOR === 1);
const handlerSeesHttpErrors = (name: string) => !name.startsWith('fetch');

async function setup() {
  const auth = await authServer();
  const api = await appApi(auth);
  const session = createSession({ refresh: jsonRefresh({ url: `${auth.url}/refresh` }), wake: false, retry: { attempts: 0 } });
  session.login(await auth.login());
  return { auth, api, session };
}

/** Holds the next refresh at the server; resolves once it is in flight, with the function that lets it go. */
async function holdRefresh(auth: AuthServer, session: Session) {
  let open = () => {};
  auth.setFault({ type: 'gate', open: new Promise<void>((resolve) => (open = resolve)) }, 1);
  const calls = auth.counters.refreshCalls;
  void session.refresh().catch(() => {});
  while (auth.counters.refreshCalls === calls) await new Promise((resolve) => setImmediate(resolve));
  return open;
}
const waiting = async (session: Session, n: number) => {
  while (session.getSnapshot().pending < n) await new Promise((resolve) => setImmediate(resolve));
};

describe.each(clients)('%s: when the session ends while a request waits', (name, make) => {
  it.each<[string, SessionErrorKind, (auth: AuthServer, session: Session, open: () => void) => Promise<void> | void]>([
    ['a logout', 'logged-out', async (_auth, session, open) => {
      await session.logout();
      open();
    }],
    ['a refused refresh', 'rejected', (auth, _session, open) => {
      auth.revokeAll();
      open();
    }],
  ])('%s: the handlers get a SessionError of kind %s with no response, and the recipe shows no toast', async (_what, kind, end) => {
    const { auth, api, session } = await setup();
    const get = make(session, api.url);
    const open = await holdRefresh(auth, session);
    const request = get('/api/users');
    await waiting(session, 2);
    await end(auth, session, open);
    const seen = await request;
    expect(isSessionError(seen.caller) && seen.caller.kind).toBe(kind);
    expect((seen.caller as { response?: unknown }).response).toBeUndefined();
    expect(seen.handler).toEqual(handlerSeesSessionErrors(name) ? [seen.caller] : []);
    expect(toastFor(seen.caller)).toBeNull();
    expect(api.seen).toEqual([]); // it never went out
    session.stop();
  });

  it('a refresh that failed on the network (the session goes on): a SessionError of kind network, which the recipe tells apart', async () => {
    const { auth, api, session } = await setup();
    const get = make(session, api.url);
    auth.setFault({ type: 'drop' }, 1);
    session.refresh().catch(() => {});
    const seen = await get('/api/users');
    expect(isSessionError(seen.caller) && seen.caller.kind).toBe('network');
    expect(toastFor(seen.caller)).toBe('Could not reach the server, please try again');
    expect(session.getSnapshot().status).toBe('refreshFailed');
    session.stop();
  });

  it('a server error is the client’s own error with its response: the recipe shows “Internal Server Error”', async () => {
    const { api, session } = await setup();
    const seen = await make(session, api.url)('/api/boom');
    expect(isSessionError(seen.caller)).toBe(false);
    expect(toastFor(seen.caller)).toBe('Internal Server Error');
    expect(seen.handler).toEqual(handlerSeesHttpErrors(name) ? [seen.caller] : []);
    expect(isAxiosError(seen.caller) || isHTTPError(seen.caller) || (seen.caller as { response?: Response }).response?.status === 500).toBe(true);
    session.stop();
  });
});
