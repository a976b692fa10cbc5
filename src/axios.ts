export { attachSession } from './adapters/axios.js';
export type { AdapterOptions } from './adapters/authorize.js';
export type { OriginsOption } from './adapters/origins.js';
