import type { AxiosResponse } from 'axios';
import type { AppContext, LoginResult } from '../shared/app.js';
import type { Envelope } from '../shared/presets.js';
import { envelopeInterceptor, errorMessageInterceptor, serverMessage } from '../shared/presets.js';
import { RequestClient } from '../shared/requestClient.js';
import { useAccessStore } from './accessStore.js';
import { authenticateResponseInterceptor } from './authenticate.js';

// BEFORE: the app's request.ts. The token comes from the access store, the refresh and the
// "sign in again" are the app's own functions, handed to the hand-written interceptor.

export function createRequestClient(baseURL: string, app: AppContext) {
  const client = new RequestClient({ baseURL });
  const accessStore = useAccessStore();

  // #region refresh
  // a client without the app's interceptors, for the refresh call itself
  const baseRequestClient = new RequestClient({ baseURL });

  async function doReAuthenticate() {
    accessStore.setAccessToken(null);
    app.reAuthenticate();
  }

  async function doRefreshToken() {
    const res: AxiosResponse<Envelope<LoginResult>> = await baseRequestClient.instance.post('/auth/refresh', { refreshToken: accessStore.refreshToken });
    accessStore.setAccessToken(res.data.data.accessToken);
    accessStore.setRefreshToken(res.data.data.refreshToken);
    return res.data.data.accessToken;
  }

  function formatToken(token: string | null) {
    return token ? `Bearer ${token}` : null;
  }

  client.addRequestInterceptor({
    fulfilled: (config) => {
      config.headers.Authorization = formatToken(accessStore.accessToken);
      return config;
    },
  });
  // #endregion

  client.addResponseInterceptor(envelopeInterceptor({ codeField: 'code', dataField: 'data', successCode: 0 }));

  // #region refresh
  client.addResponseInterceptor(authenticateResponseInterceptor({ client, doReAuthenticate, doRefreshToken, enableRefreshToken: true, formatToken }));
  // #endregion

  client.addResponseInterceptor(errorMessageInterceptor((message, error) => app.toastError(serverMessage(error) ?? message)));

  return {
    client,
    async login(params: { username: string; password: string }) {
      const result = await client.post<LoginResult>('/auth/login', params);
      // #region refresh
      accessStore.setAccessToken(result.accessToken);
      accessStore.setRefreshToken(result.refreshToken);
      // #endregion
    },
  };
}
