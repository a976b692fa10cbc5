export { createSession } from './createSession.js';
export { sessionMachine } from './machine/sessionMachine.js';
export { SessionError, isSessionError } from './machine/errors.js';
export { memoryStorage } from './machine/memoryStorage.js';
export { toMermaid, machineGraph } from './machine/graph.js';
export { webStorage } from './adapters/storage.js';
export { jsonRefresh } from './adapters/refresh.js';
export { oauthRefresh } from './adapters/oauth.js';
export { jsonRevoke, oauthRevoke } from './adapters/revoke.js';
export { browserWake } from './adapters/wake.js';
export { browserActivity } from './adapters/activity.js';
export { broadcastSync } from './adapters/sync.js';
export { webLocks } from './adapters/lock.js';
export { whenRestored } from './lifecycle/whenRestored.js';
export { onSessionEnd } from './lifecycle/onSessionEnd.js';

export type { Session } from './machine/session.js';
export type { CreateSessionOptions } from './createSession.js';
export type { SessionErrorKind, SessionErrorOptions } from './machine/errors.js';
export type { SessionEndListener } from './lifecycle/onSessionEnd.js';
export type { BackoffRecord } from './machine/backoff.js';
export type { SessionEvent, SessionContext } from './machine/sessionMachine.js';
export type { GraphEdge, GraphState } from './machine/graph.js';
export type { StorageLike, WebStorageOptions } from './adapters/storage.js';
export type { JsonRefreshOptions } from './adapters/refresh.js';
export type { OAuthRefreshOptions, OAuthIssuerOptions, OAuthClient } from './adapters/oauth.js';
export type { JsonRevokeOptions, OAuthRevokeOptions, OAuthRevokeIssuerOptions } from './adapters/revoke.js';
export type { HttpOptions } from './adapters/http.js';
export type { BroadcastSyncOptions } from './adapters/sync.js';
export type { WebLocksOptions } from './adapters/lock.js';
export type {
  LoginRecordOptions,
  RefreshContext,
  RefreshFunction,
  RefreshLock,
  ActivitySource,
  DpopPort,
  NonceRetry,
  RevokeContext,
  RevokeFunction,
  RetryOptions,
  SessionOptions,
  SessionEnding,
  SessionSnapshot,
  SessionStatus,
  SessionSync,
  SyncMessage,
  TokenSet,
  TokenStorage,
  WakeReason,
  WakeSource,
} from './machine/types.js';
