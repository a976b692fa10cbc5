import axios from 'axios';
import ky from 'ky';
import type { Session } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyBase, KY_MAJOR } from '../helpers/ky.js';

/** GET `path` (no leading slash) under `base` through one client; resolves with the status. */
export type Get = (path: string) => Promise<number>;

const all: Array<[string, (session: Session, base: string) => Get]> = [
  ['fetch', (session, base) => {
    const authFetch = createAuthFetch(session, { baseUrl: `${base}/` });
    return async (path) => (await authFetch(path)).status;
  }],
  ['ky withSession', (session, base) => {
    const api = withSession(ky.create({ ...kyBase(`${base}/`), retry: 0, throwHttpErrors: false }), session);
    return async (path) => (await api.get(path)).status;
  }],
  ['ky kyHooks', (session, base) => {
    const api = ky.create({ ...kyBase(`${base}/`), retry: 0, throwHttpErrors: false, hooks: kyHooks(session) });
    return async (path) => (await api.get(path)).status;
  }],
  ['axios', (session, base) => {
    const api = axios.create({ baseURL: base, validateStatus: () => true });
    attachSession(api, session);
    return async (path) => (await api.get(`/${path}`)).status;
  }],
];

/** The clients under test: all of them, or the ky ones when the `ky1` project runs the file. */
export const interceptionClients = KY_MAJOR === 1 ? all.filter(([name]) => name.startsWith('ky')) : all;
