import { isSessionError, type Session, type TokenSet } from 'silent-session';
import { attachSession } from 'silent-session/axios';
import type { AppContext } from '../shared/app.js';
import { envelopeInterceptor, errorMessageInterceptor, serverMessage } from '../shared/presets.js';
import { RequestClient } from '../shared/requestClient.js';

// AFTER: the app's request.ts. The session attaches the token, holds requests while it
// refreshes and replays a 401 once, under the app's own interceptors, which stay as they were.

export function createRequestClient(baseURL: string, app: AppContext, session: Session) {
  const client = new RequestClient({ baseURL });
  // #region session
  attachSession(client.instance, session);
  // #endregion

  client.addResponseInterceptor(envelopeInterceptor({ codeField: 'code', dataField: 'data', successCode: 0 }));

  client.addResponseInterceptor(
    errorMessageInterceptor((message, error) => {
      // #region session
      if (isSessionError(error)) return; // signed out, not a server error: the dialog says so, once
      // #endregion
      app.toastError(serverMessage(error) ?? message);
    }),
  );

  return {
    client,
    async login(params: { username: string; password: string }) {
      // #region session
      session.login(await client.post<TokenSet>('/auth/login', params)); // sent bare while logged out
      // #endregion
    },
  };
}
