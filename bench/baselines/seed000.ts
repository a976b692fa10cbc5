// Seed 000 (../shared/seeds/000, "方案一：请求拦截器 + 重试机制"): a response interceptor with an
// `isRefreshing` flag, a `failedQueue` of waiting requests and a `_retry` flag on the config.
// Written the way the article does it; only the browser globals come from `env` and the
// article's placeholder host is the local auth server. Its traits, kept on purpose:
// - nothing looks at the token's expiry: every request goes out, and an expired token is
//   discovered by a 401 from the server;
// - the refresh token is read into a variable once and never updated after a refresh, so a
//   second refresh (e.g. for a 401 that arrives after the first refresh finished) presents a
//   spent refresh token;
// - a 401 that arrives after `isRefreshing` went back to false starts another refresh.
import axios, { type AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import type { BrowserEnv } from './env.js';

type RetryConfig = InternalAxiosRequestConfig & { _retry?: boolean };

export function createSeed000Api(env: BrowserEnv): AxiosInstance {
  const { localStorage, window } = env;

  // 创建 axios 实例
  const api = axios.create({
    baseURL: env.baseURL,
    httpAgent: env.httpAgent,
  });

  // 存储 Token
  let accessToken = localStorage.getItem('accessToken');
  const refreshToken = localStorage.getItem('refreshToken');
  let isRefreshing = false; // 是否正在刷新
  let failedQueue: Array<{ resolve: (token: string | null) => void; reject: (error: unknown) => void }> = []; // 失败请求队列

  // 处理队列中的请求
  const processQueue = (error: unknown, token: string | null = null) => {
    failedQueue.forEach((prom) => {
      if (error) {
        prom.reject(error);
      } else {
        prom.resolve(token);
      }
    });

    failedQueue = [];
  };

  // 请求拦截器：添加 Token
  api.interceptors.request.use(
    (config) => {
      if (accessToken) {
        config.headers.Authorization = `Bearer ${accessToken}`;
      }
      return config;
    },
    (error) => Promise.reject(error),
  );

  // 响应拦截器：处理 Token 过期
  api.interceptors.response.use(
    (response) => response,
    async (error: AxiosError) => {
      const originalRequest = error.config as RetryConfig;

      // 如果是 401 错误且未重试过
      if (error.response?.status === 401 && !originalRequest._retry) {
        if (isRefreshing) {
          // 如果正在刷新，将请求加入队列
          return new Promise<string | null>((resolve, reject) => {
            failedQueue.push({ resolve, reject });
          })
            .then((token) => {
              originalRequest.headers.Authorization = `Bearer ${token}`;
              return api(originalRequest);
            })
            .catch((err) => Promise.reject(err));
        }

        originalRequest._retry = true;
        isRefreshing = true;

        try {
          // 刷新 Token
          const response = await axios.post(`${env.baseURL}/refresh`, {
            refreshToken,
          });

          const { accessToken: newAccessToken } = response.data as { accessToken: string };

          // 更新 Token
          accessToken = newAccessToken;
          localStorage.setItem('accessToken', newAccessToken);

          // 更新请求头
          api.defaults.headers.common.Authorization = `Bearer ${newAccessToken}`;
          originalRequest.headers.Authorization = `Bearer ${newAccessToken}`;

          // 处理队列中的请求
          processQueue(null, newAccessToken);

          // 重试原始请求
          return api(originalRequest);
        } catch (refreshError) {
          // 刷新失败，清除 Token 并跳转登录
          processQueue(refreshError, null);
          localStorage.removeItem('accessToken');
          localStorage.removeItem('refreshToken');
          window.location.href = '/login';
          return Promise.reject(refreshError);
        } finally {
          isRefreshing = false;
        }
      }

      return Promise.reject(error);
    },
  );

  return api;
}
