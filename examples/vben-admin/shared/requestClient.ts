import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

// The request client of a vben-style admin app (the shape of @vben/request's RequestClient):
// one axios instance, interceptors added by the app, methods that resolve with what the
// interceptors return (the envelope's `data`). Unchanged by the port.

export interface RequestInterceptor {
  fulfilled?: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig>;
}

export interface ResponseInterceptor {
  fulfilled?: (response: AxiosResponse) => unknown;
  rejected?: (error: AxiosError) => unknown;
}

export class RequestClient {
  readonly instance: AxiosInstance;

  constructor(options: AxiosRequestConfig) {
    this.instance = axios.create({ timeout: 10_000, ...options });
  }

  addRequestInterceptor({ fulfilled }: RequestInterceptor): void {
    this.instance.interceptors.request.use(fulfilled);
  }

  addResponseInterceptor({ fulfilled, rejected }: ResponseInterceptor): void {
    // an interceptor may resolve with something else than the response (the envelope's data):
    // axios hands on whatever it returns, its types say otherwise
    this.instance.interceptors.response.use(fulfilled as ((response: AxiosResponse) => AxiosResponse) | undefined, rejected);
  }

  /** Resolves with what the response interceptors made of the answer. */
  request<T>(url: string, config: AxiosRequestConfig = {}): Promise<T> {
    return this.instance.request({ ...config, url }) as Promise<T>;
  }

  get<T>(url: string, config: AxiosRequestConfig = {}): Promise<T> {
    return this.request<T>(url, { ...config, method: 'GET' });
  }

  post<T>(url: string, data?: unknown, config: AxiosRequestConfig = {}): Promise<T> {
    return this.request<T>(url, { ...config, data, method: 'POST' });
  }
}
