import { broadcastSync, createSession, jsonRefresh, webLocks, webStorage } from 'silent-session';
import { withSession } from 'silent-session/ky';
import { base } from './api';

export type Claims = { sub: string; name: string };

// core, storage, sync, lock and the ky adapter: the set the size figure is about
export const session = createSession<Claims>({
  refresh: jsonRefresh({ url: '/auth/refresh' }),
  storage: webStorage(localStorage, { key: 'app.session' }),
  sync: broadcastSync('app'),
  lock: webLocks('app'),
});

export const api = withSession(base, session);
