// Seed 001 ("Axios 拦截器：优雅实现 Token 刷新逻辑"): `isRefreshing` plus `refreshSubscribers`
// callbacks and a `_retry` flag. Written the way the article does it; only the browser globals
// come from `env`, and the instance gets the base URL the article's page would supply. Its
// traits, kept on purpose:
// - the refresh goes through the same instance, so the request interceptor puts the (expired)
//   access token on it as `Authorization: Bearer`;
// - a 401 answer to that refresh request meets `isRefreshing === true` and is parked as a
//   subscriber; `finally` then empties the list, so it is never called: the refresh, and every
//   request waiting behind it, never settles;
// - waiting requests swallow a failed retry (`.catch(console.error)`) and resolve `undefined`;
// - retries go out through the global `axios`, around the instance's interceptors.
import axios, { type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { BrowserEnv } from './env.js';

type RetryConfig = InternalAxiosRequestConfig & { _retry?: boolean };

export function createSeed001Api(env: BrowserEnv): AxiosInstance {
  const { localStorage, window, console } = env;

  const axiosInstance = axios.create({ baseURL: env.baseURL, httpAgent: env.httpAgent });
  let isRefreshing = false;
  const refreshSubscribers: Array<(token: string) => void> = [];

  const onRefreshed = (newAccessToken: string) => {
    refreshSubscribers.map((callback) => callback(newAccessToken));
  };

  const subscribeTokenRefresh = (callback: (token: string) => void) => {
    refreshSubscribers.push(callback);
  };

  axiosInstance.interceptors.response.use(
    (response) => response,
    async (error: { config: RetryConfig; response?: AxiosResponse }) => {
      const { config, response } = error;
      const originalRequest = config;

      if (response && response.status === 401 && !originalRequest._retry) {
        if (isRefreshing) {
          return new Promise((resolve) => {
            subscribeTokenRefresh((token) => {
              originalRequest.headers['Authorization'] = 'Bearer ' + token;
              resolve(axios(originalRequest));
            });
          }).catch((error) => {
            console.error('Retry failed:', error); //处理重试失败的情况
          });
        }

        originalRequest._retry = true;
        isRefreshing = true;

        try {
          const refreshResponse = await axiosInstance.post('/refresh', {
            refreshToken: localStorage.getItem('refreshToken'),
          });

          const newAccessToken = (refreshResponse.data as { accessToken: string }).accessToken;
          localStorage.setItem('accessToken', newAccessToken);
          localStorage.setItem('refreshToken', (refreshResponse.data as { refreshToken: string }).refreshToken);
          onRefreshed(newAccessToken);
          originalRequest.headers['Authorization'] = 'Bearer ' + newAccessToken;
          return axios(originalRequest);
        } catch (refreshError) {
          console.error('Refresh Token 获取失败', refreshError);
          // 清除token，跳转到登录页
          localStorage.removeItem('accessToken');
          localStorage.removeItem('refreshToken');
          window.location.href = '/login'; // 跳转到登录页面
          return Promise.reject(refreshError); // 返回错误，阻止后续操作
        } finally {
          isRefreshing = false;
          refreshSubscribers.length = 0; // 重置订阅者
        }
      }

      return Promise.reject(error);
    },
  );

  axiosInstance.interceptors.request.use((config) => {
    config.headers['Authorization'] = `Bearer ${localStorage.getItem('accessToken')}`;
    return config;
  });

  return axiosInstance;
}
