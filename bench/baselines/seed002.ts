// Seed 002 ("双 Token 无感刷新机制", React + TypeScript): a `_retry` flag and no queue at all —
// every 401 refreshes on its own. Written the way the article does it; only the browser
// globals come from `env` and the article's placeholder host is the local auth server. Its
// traits, kept on purpose:
// - N concurrent 401s send N refresh requests with the same refresh token;
// - the answer's new refresh token is ignored (the article's server does not rotate), so
//   against a rotating server every refresh after the first presents a spent token, which
//   reuse detection answers by revoking the whole login.
import axios, { type AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { BrowserEnv } from './env.js';

type RetryConfig = InternalAxiosRequestConfig & { _retry?: boolean };

export function createSeed002Api(env: BrowserEnv): AxiosInstance {
  const { localStorage, window } = env;

  // 创建 Axios 实例
  const api: AxiosInstance = axios.create({
    baseURL: env.baseURL,
    headers: {
      'Content-Type': 'application/json',
    },
    httpAgent: env.httpAgent,
  });

  // 请求拦截器：在请求头中添加 Access Token
  api.interceptors.request.use(
    (config: InternalAxiosRequestConfig) => {
      const accessToken = localStorage.getItem('accessToken');
      if (accessToken) {
        config.headers.Authorization = `Bearer ${accessToken}`;
      }
      return config;
    },
    (error: AxiosError) => {
      return Promise.reject(error);
    },
  );

  // 响应拦截器：处理 Access Token 过期
  api.interceptors.response.use(
    (response: AxiosResponse) => {
      return response;
    },
    async (error: AxiosError) => {
      const originalRequest = error.config as RetryConfig;

      // 检测到 401 错误且未重试过
      if (error.response?.status === 401 && !originalRequest._retry) {
        originalRequest._retry = true; // 标记请求已重试

        try {
          // 使用 Refresh Token 获取新的 Access Token
          const refreshToken = localStorage.getItem('refreshToken');
          const response = await axios.post(`${env.baseURL}/refresh`, { refreshToken });
          const { accessToken } = response.data as { accessToken: string };

          // 更新本地存储的 Access Token
          localStorage.setItem('accessToken', accessToken);
          api.defaults.headers.common['Authorization'] = `Bearer ${accessToken}`;
          originalRequest.headers['Authorization'] = `Bearer ${accessToken}`;

          // 重试原始请求
          return api(originalRequest);
        } catch (refreshError) {
          // 刷新 Token 失败，清除本地存储并跳转到登录页
          localStorage.removeItem('accessToken');
          localStorage.removeItem('refreshToken');
          window.location.href = '/login';
          return Promise.reject(refreshError);
        }
      }

      return Promise.reject(error);
    },
  );

  return api;
}
