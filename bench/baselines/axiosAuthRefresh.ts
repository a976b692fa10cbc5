// axios-auth-refresh 5.0.2 (the real package), configured as its README recommends: the
// refresh logic posts to the refresh endpoint with the global axios, stores the new token and
// sets it on the failed request's config; a request interceptor reads the token at call time
// ("wrap your request logic in a function"); default options (statusCodes [401],
// deduplicateRefresh: true, which pauses the instance while a refresh runs). The README's
// refresh sends no body (its token lives in a cookie); this server takes the refresh token in
// the body, so the logic sends it and stores the rotated one.
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import type { BrowserEnv } from './env.js';

export function createAxiosAuthRefreshApi(env: BrowserEnv): AxiosInstance {
  const { localStorage } = env;
  const api = axios.create({ baseURL: env.baseURL, httpAgent: env.httpAgent });

  // Function that will be called to refresh authorization
  const refreshAuthLogic = (failedRequest: { response: { config: { headers: Record<string, string> } } }) =>
    axios
      .post(`${env.baseURL}/refresh`, { refreshToken: localStorage.getItem('refreshToken') })
      .then((tokenRefreshResponse) => {
        const data = tokenRefreshResponse.data as { accessToken: string; refreshToken: string };
        localStorage.setItem('accessToken', data.accessToken);
        localStorage.setItem('refreshToken', data.refreshToken);
        failedRequest.response.config.headers['Authorization'] = 'Bearer ' + data.accessToken;
        return Promise.resolve();
      });

  // Instantiate the interceptor
  createAuthRefresh(api, refreshAuthLogic);

  // Obtain the fresh token each time the function is called
  function getAccessToken() {
    return localStorage.getItem('accessToken');
  }

  // Use interceptor to inject the token to requests
  api.interceptors.request.use((request) => {
    request.headers['Authorization'] = `Bearer ${getAccessToken()}`;
    return request;
  });

  return api;
}
