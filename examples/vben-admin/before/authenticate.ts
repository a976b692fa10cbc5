import type { AxiosError, InternalAxiosRequestConfig } from 'axios';
import type { RequestClient, ResponseInterceptor } from '../shared/requestClient.js';

// BEFORE: the hand-written refresh, as vben-style apps and the articles it grew from write it:
// one flag for "a refresh is running", a queue of callbacks for the requests that 401 meanwhile,
// and a `__isRetryRequest` mark so a replay is not refreshed again.

// #region refresh
type RetryConfig = InternalAxiosRequestConfig & { __isRetryRequest?: boolean };

export interface AuthenticateOptions {
  client: RequestClient;
  doReAuthenticate: () => Promise<void>;
  doRefreshToken: () => Promise<string>;
  enableRefreshToken: boolean;
  formatToken: (token: string | null) => string | null;
}

export function authenticateResponseInterceptor(options: AuthenticateOptions): ResponseInterceptor {
  const { client, doReAuthenticate, doRefreshToken, enableRefreshToken, formatToken } = options;
  let isRefreshing = false;
  let refreshTokenQueue: Array<(token: string) => void> = [];
  return {
    rejected: async (error: AxiosError) => {
      const config = error.config as RetryConfig | undefined;
      if (error.response?.status !== 401 || config === undefined) throw error;
      // no refresh configured, or this very request was already a replay: sign in again
      if (!enableRefreshToken || config.__isRetryRequest) {
        await doReAuthenticate();
        throw error;
      }
      // a refresh is already running: wait for its token, then replay
      if (isRefreshing) {
        return new Promise((resolve) => {
          refreshTokenQueue.push((token) => {
            config.headers.Authorization = formatToken(token);
            resolve(client.request(config.url ?? '', { ...config }));
          });
        });
      }
      isRefreshing = true;
      config.__isRetryRequest = true;
      try {
        const token = await doRefreshToken();
        for (const replay of refreshTokenQueue) replay(token);
        refreshTokenQueue = [];
        return client.request(config.url ?? '', { ...config });
      } catch (refreshError) {
        for (const replay of refreshTokenQueue) replay('');
        refreshTokenQueue = [];
        await doReAuthenticate();
        throw refreshError;
      } finally {
        isRefreshing = false;
      }
    },
  };
}
// #endregion
