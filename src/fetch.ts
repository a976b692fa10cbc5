export { createAuthFetch } from './adapters/fetch.js';
export type { AuthFetch, AuthFetchOptions, AuthRequestInit } from './adapters/fetch.js';
export type { AdapterOptions } from './adapters/authorize.js';
export type { OriginsOption } from './adapters/origins.js';
