export { kyHooks, withSession } from './adapters/ky.js';
export type { KyAdapterOptions } from './adapters/ky.js';
export type { AdapterOptions } from './adapters/authorize.js';
export type { OriginsOption } from './adapters/origins.js';
