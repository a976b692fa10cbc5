import { createSession, jsonRefresh, onSessionEnd, webStorage, type SessionOptions, type StorageLike } from 'silent-session';
import type { AppContext } from '../shared/app.js';

// AFTER: the session replaces the refresh flag, the queue, the retry mark, doRefreshToken and
// the persisted tokens. jsonRefresh reads the backend's envelope (`{ code: 0, data: { accessToken,
// refreshToken, expiresIn } }`) and takes its 403 for "refresh token refused".

// #region session
export function createAppSession(baseURL: string, storage: StorageLike, app: AppContext, options: Partial<SessionOptions> = {}) {
  const session = createSession({
    refresh: jsonRefresh({ url: `${baseURL}/auth/refresh` }),
    storage: webStorage(storage, { key: 'vben.session' }),
    ...options, // the tests' clock
  });
  // once per end of the session, in every tab: the "login expired" dialog (a plain logout: none)
  onSessionEnd(session, (reason) => {
    if (reason !== null) app.reAuthenticate();
  });
  return session;
}
// #endregion
