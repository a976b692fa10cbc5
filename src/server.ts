// `silent-session/server`: the server half. Refresh-token families (rotation, reuse detection,
// a grace window), stores in memory or Redis, and web-standard handlers.
export { createTokenFamilies } from './server/families.js';
export { memoryFamilyStore } from './server/memoryStore.js';
export { redisFamilyStore } from './server/redis/store.js';
export { refreshHandler } from './server/http/refreshHandler.js';
export { revokeHandler, loginResponse } from './server/http/revokeHandler.js';
export { toNodeHandler } from './server/http/node.js';
export { FamilyStoreError, isFamilyStoreError } from './server/errors.js';

export type {
  FamilyEvent,
  FamilyStatus,
  IssuedRefresh,
  RefusalReason,
  RevokeTarget,
  Rotation,
  RotationOk,
  RotationRefused,
  TokenFamilies,
  TokenFamiliesOptions,
} from './server/types.js';
export type { AbandonStep, FamilyPolicy, FamilyStore, NewFamily, RevokeStep, RotateResult, RotateStep } from './server/storeTypes.js';
export type { IoRedisLike, NodeRedisLike, RedisLike } from './server/redis/client.js';
export type { RedisFamilyStoreOptions } from './server/redis/store.js';
export type { AccessToken } from './server/http/answers.js';
export type { CookieOptions } from './server/http/cookie.js';
export type { RefreshHandlerOptions, WebHandler } from './server/http/refreshHandler.js';
export type { RevokeHandlerOptions } from './server/http/revokeHandler.js';
export type { NodeHandler, NodeRequestLike, NodeResponseLike } from './server/http/node.js';
