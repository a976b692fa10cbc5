import { isAxiosError, isCancel, type AxiosError, type AxiosResponse } from 'axios';
import type { ResponseInterceptor } from './requestClient.js';

// The preset interceptors a vben-style app adds to its client: unwrap the `{ code, data,
// message }` envelope, and turn failures into an error toast. Unchanged by the port.

/** What every answer of the backend looks like. */
export interface Envelope<T = unknown> {
  code: number;
  data: T;
  message: string;
}

/** Resolves with `data` when `code` says success; anything else rejects with the response attached. */
export function envelopeInterceptor(options: { codeField: 'code'; dataField: 'data'; successCode: number }): ResponseInterceptor {
  return {
    fulfilled: (response: AxiosResponse) => {
      const body = response.data as Record<string, unknown> | null;
      if (response.status >= 200 && response.status < 400 && body?.[options.codeField] === options.successCode) return body[options.dataField];
      throw Object.assign(new Error(String(body?.message ?? 'request failed')), { response, config: response.config });
    },
  };
}

/** The server's own words for an error, when its body is an envelope. */
export function serverMessage(error: unknown): string | undefined {
  const body = (error as { response?: { data?: Partial<Envelope> } } | null)?.response?.data;
  return typeof body?.message === 'string' && body.message !== '' ? body.message : undefined;
}

/** Every failure becomes one call of `makeErrorMessage`, with a text picked from the status. */
export function errorMessageInterceptor(makeErrorMessage: (message: string, error: unknown) => void): ResponseInterceptor {
  return {
    rejected: (error: AxiosError) => {
      if (isCancel(error)) return Promise.reject(error);
      if (isAxiosError(error) && error.code === 'ERR_NETWORK') {
        makeErrorMessage('Network error, please check your connection', error);
        return Promise.reject(error);
      }
      const status = (error as { response?: { status?: number } }).response?.status;
      const message =
        status === 400 ? 'Bad request' :
        status === 401 ? 'Unauthorized, please sign in again' :
        status === 403 ? 'Forbidden' :
        status === 404 ? 'Not found' :
        'Internal Server Error'; // anything without a status lands here too
      makeErrorMessage(message, error);
      return Promise.reject(error);
    },
  };
}
