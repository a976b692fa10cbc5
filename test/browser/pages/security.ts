import axios from 'axios';
import ky, { type KyInstance } from 'ky';
import ky1 from 'ky1';
import { createSession, jsonRefresh, memoryStorage, type Session, type TokenSet } from '../../../src/index.js';
import { attachSession } from '../../../src/axios.js';
import { createAuthFetch } from '../../../src/fetch.js';
import { kyHooks, withSession } from '../../../src/ky.js';

// The trust-boundary tests in a real browser: every client is created the way an app without a
// base URL creates it (the page origin is the allowed one) and sends what the test asks.

/** GET `input`, or POST `json` to it; resolves with the status and the JSON body (or null). */
type Send = (input: string, json?: unknown) => Promise<{ status: number; body: unknown }>;
let session: Session | undefined;
let clients: Record<string, Send> = {};

const viaKy = (api: KyInstance): Send => async (input, json) => {
  const res = await (json === undefined ? api.get(input) : api.post(input, { json }));
  return { status: res.status, body: await res.json().catch(() => null) };
};

function make(s: Session, options: { origins?: string[]; renewHeader?: string }): Record<string, Send> {
  const authFetch = createAuthFetch(s, options);
  const api = axios.create({ validateStatus: () => true });
  attachSession(api, s, options);
  const plain = { retry: 0, throwHttpErrors: false } as const;
  // ky 1 is driven through the same calls; its hooks receive positional arguments
  const k1 = ky1 as unknown as KyInstance;
  return {
    fetch: async (input, json) => {
      const res = await authFetch(input, json === undefined ? {} : { method: 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json' } });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    axios: async (input, json) => {
      const res = await (json === undefined ? api.get(input) : api.post(input, json));
      return { status: res.status, body: res.data as unknown };
    },
    'ky2 withSession': viaKy(withSession(ky.create(plain), s, options)),
    'ky2 kyHooks': viaKy(ky.create({ ...plain, hooks: kyHooks(s, options) })),
    'ky1 withSession': viaKy(withSession(k1.create(plain), s, options)),
    'ky1 kyHooks': viaKy(k1.create({ ...plain, hooks: kyHooks(s, options) })),
  };
}

const sec = {
  /** A fresh session, logged out, with one instance of each client; returns the clients' names. */
  setup(options: { origins?: string[]; renewHeader?: string } = {}) {
    session?.stop();
    session = createSession({ refresh: jsonRefresh({ url: '/refresh' }), storage: memoryStorage(), wake: false });
    clients = make(session, options);
    return Object.keys(clients);
  },
  /** Logs in with the page's plain fetch. */
  async login() {
    const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username: 'alice' }) });
    session?.login((await res.json()) as TokenSet);
    return session?.getSnapshot().status;
  },
  /** Logs in through `client` itself (logged out, the request goes out as the bare client sends it). */
  async loginThrough(client: string) {
    const { status, body } = await (clients[client] as Send)('/login', { username: 'alice' });
    if (status !== 200) return `login answered ${status}`;
    session?.login(body as TokenSet);
    return session?.getSnapshot().status;
  },
  /** Sends a GET with `client`; the status, or the error's name. */
  async send(client: string, input: string): Promise<string> {
    try {
      return String((await (clients[client] as Send)(input)).status);
    } catch (error) {
      return `error: ${error instanceof Error ? error.name : String(error)}`;
    }
  },
  /** Adds (or moves) a <base href>: relative URLs now resolve against it. */
  setBase(href: string) {
    const base = document.querySelector('base') ?? document.head.appendChild(document.createElement('base'));
    base.href = href;
    return document.baseURI;
  },
  token: () => session?.getSnapshot().accessToken ?? null,
  sub: () => session?.getSnapshot().claims?.sub ?? null,
};

(window as unknown as { sec: typeof sec }).sec = sec;
(document.getElementById('status') as HTMLElement).textContent = 'ready';
