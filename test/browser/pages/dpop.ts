import axios from 'axios';
import ky from 'ky';
import { createSession, jsonRefresh, memoryStorage, webStorage, type Session } from '../../../src/index.js';
import { attachSession } from '../../../src/axios.js';
import { dpop, type DpopBinding } from '../../../src/dpop.js';
import { createAuthFetch } from '../../../src/fetch.js';
import { withSession } from '../../../src/ky.js';

// The DPoP binding in a real browser, with its default store (IndexedDB). `raw()` reads the
// stored pair straight out of IndexedDB, as any script in the page could, and tries to export it.

const binding: DpopBinding = dpop({ onWarning: (m) => warnings.push(m) });
const warnings: string[] = [];

async function stored(): Promise<CryptoKeyPair | undefined> {
  // looking must not create the database
  if (!(await indexedDB.databases()).some((d) => d.name === 'silent-session-dpop')) return undefined;
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('silent-session-dpop');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('keys')) return db.close(), resolve(undefined);
      const get = db.transaction('keys', 'readonly').objectStore('keys').get('silent-session');
      get.onsuccess = () => (db.close(), resolve(get.result as CryptoKeyPair | undefined));
      get.onerror = () => (db.close(), reject(get.error));
    };
  });
}

/** What another script may do first: open the database by name (creating it, version 1, empty). */
function squat(): Promise<number> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('silent-session-dpop');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const { version } = open.result;
      open.result.close();
      resolve(version);
    };
  });
}

const outcome = (work: Promise<unknown>) => work.then(() => 'exported', (e: unknown) => (e instanceof Error ? e.name : String(e)));

const dp = {
  secure: () => window.isSecureContext,
  kind: () => binding.toJSON().keyStore,
  thumbprint: () => binding.thumbprint(),
  rotate: () => binding.rotate(),
  clear: () => binding.clear(),
  reload: () => binding.reload(),
  warnings: () => warnings,
  squat,
  proof: (method: string, url: string, accessToken?: string) => binding.proof({ method, url, accessToken }),
  /** What a script in the page finds in IndexedDB, and what it can do with it. */
  async raw() {
    const pair = await stored();
    if (!pair) return null;
    return {
      privateType: pair.privateKey.type,
      extractable: pair.privateKey.extractable,
      usages: pair.privateKey.usages,
      exportJwk: await outcome(crypto.subtle.exportKey('jwk', pair.privateKey)),
      exportPkcs8: await outcome(crypto.subtle.exportKey('pkcs8', pair.privateKey)),
      wrap: await outcome(
        crypto.subtle
          .generateKey({ name: 'AES-KW', length: 256 }, false, ['wrapKey'])
          .then((kek) => crypto.subtle.wrapKey('pkcs8', pair.privateKey, kek, 'AES-KW')),
      ),
      publicSpki: await outcome(crypto.subtle.exportKey('spki', pair.publicKey)), // the control: public halves export
    };
  },
  /** A request from the page with `Authorization: DPoP token` and a fresh proof; the status. */
  async call(url: string, token: string, method = 'GET') {
    const proof = await binding.proof({ method, url, accessToken: token });
    const res = await fetch(url, { method, headers: { Authorization: `DPoP ${token}`, DPoP: proof } });
    binding.observe({ url: res.url, status: res.status, header: (n) => res.headers.get(n) });
    return { status: res.status, body: (await res.json().catch(() => null)) as unknown, proof };
  },
};
// A DPoP session in the page: refreshes at the resource server's token endpoint (jsonRefresh with
// a proof), tokens in localStorage under 'app.session' (`shared`: tabs wired by default) or in memory.
let session: Session | null = null;
let rsUrl = '';
const STORAGE_KEY = 'app.session';

const ds = {
  /** The thumbprint of the key named `name` (made on first use), before any session exists. */
  thumbprintFor: (name: string) => dpop({ name }).thumbprint(),
  /** Tokens another visit left in localStorage: an expired access token bound to the key, and a refresh token. */
  seed(accessToken: string) {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ accessToken, refreshToken: 'r0', expiresAt: Date.now() - 1_000 }));
  },
  start(rs: string, shared: boolean) {
    rsUrl = rs;
    session = createSession({
      refresh: jsonRefresh({ url: `${rs}token`, dpop: true }),
      storage: shared ? webStorage(localStorage, { key: STORAGE_KEY }) : memoryStorage(),
      dpop: dpop({ onWarning: (m) => warnings.push(m) }),
      onWarning: (m) => warnings.push(m),
    });
    return session.getSnapshot().status;
  },
  login(accessToken: string) {
    session?.login({ accessToken, refreshToken: 'r0' }); // expired: the session refreshes at once
  },
  /** `n` requests at once through one client; their statuses. */
  async storm(client: 'ky' | 'fetch' | 'axios', n: number): Promise<number[]> {
    const s = session as Session;
    const urls = Array.from({ length: n }, (_, i) => `${rsUrl}${client}/${i}`);
    if (client === 'ky') {
      const api = withSession(ky.create({ retry: 0 }), s, { origins: [new URL(rsUrl).origin] });
      return Promise.all(urls.map((u) => api.get(u, { throwHttpErrors: false }).then((r) => r.status)));
    }
    if (client === 'fetch') {
      const authFetch = createAuthFetch(s, { baseUrl: rsUrl });
      return Promise.all(urls.map((u) => authFetch(u).then((r) => r.status)));
    }
    const api = axios.create({ baseURL: rsUrl, validateStatus: () => true });
    attachSession(api, s);
    return Promise.all(urls.map((u) => api.get(u).then((r) => r.status)));
  },
  snapshot: () => {
    const { status, tokenType, nonceRetry } = (session as Session).getSnapshot();
    return { status, tokenType, nonceRetry };
  },
  /** What a script in the page can copy: the access token (not the key). */
  token: () => (session as Session).getSnapshot().accessToken,
};

Object.assign(window, { dp, ds });
document.getElementById('status')?.replaceChildren('ready');
