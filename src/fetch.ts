export { createAuthFetch } from './adapters/fetch.js';
export type { AuthFetchOptions } from './adapters/fetch.js';
export type { AdapterOptions } from './adapters/authorize.js';
export type { OriginsOption } from './adapters/origins.js';
