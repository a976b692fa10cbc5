import { SessionError } from './errors.js';
import type { Tokens } from './tokens.js';
import type { SessionEnding } from './types.js';

/** What the lifetime policies need to know about a session. */
export interface LifetimeFacts {
  tokens: Tokens | null;
  lastActivity: number;
  config: { idleTimeout: number | null; maxSessionAge: number | null };
}

/**
 * When and why the session ends by policy: the earliest of the idle end (last activity in any
 * tab + idleTimeout), the maximum age (login + maxSessionAge; a login of unknown time, stored
 * by an older version, has none) and the refresh token's own expiry. Null: no end.
 */
export function lifetimeEnd({ tokens, lastActivity, config }: LifetimeFacts): SessionEnding | null {
  if (tokens === null) return null;
  let end: SessionEnding | null = null;
  const consider = (reason: SessionEnding['reason'], at: number | null) => {
    if (at !== null && Number.isFinite(at) && (end === null || at < end.at)) end = { reason, at };
  };
  consider('idle', config.idleTimeout === null ? null : lastActivity + config.idleTimeout);
  consider('max-age', config.maxSessionAge === null || tokens.login === null ? null : tokens.login.at + config.maxSessionAge);
  consider('refresh-expiry', tokens.refreshExpiresAt);
  return end;
}

/** The error a session ended by policy reports (snapshot.error, onLoggedOut). */
export function lifetimeError(ending: SessionEnding | null): SessionError {
  switch (ending?.reason) {
    case 'idle':
      return new SessionError('idle-timeout', 'the session ended after a time without activity (idleTimeout)');
    case 'max-age':
      return new SessionError('session-expired', 'the session reached its maximum age (maxSessionAge)');
    default:
      return new SessionError('session-expired', 'the refresh token expired, so the session cannot be renewed');
  }
}
