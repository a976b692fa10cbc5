export { createAuthBackend } from './msw/createAuthBackend.js';
export type { AuthBackend, AuthBackendOptions, ProtectedResolver, RefreshFailure } from './msw/types.js';
export type { BackendCounters, BackendRequest, BackendRoute } from './msw/requestLog.js';
export type { AccessClaims, IssuedPair } from './msw/tokens.js';
