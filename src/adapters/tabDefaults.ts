import type { RefreshLock, SessionSync, TokenStorage } from '../machine/types.js';
import { webLocks } from './lock.js';
import { describeStorage } from './storage.js';
import { broadcastSync } from './sync.js';

// Tabs safe by default (DESIGN "Defaults (v3)"): tokens in the page's localStorage mean several
// tabs share them, and without sync and lock a stale tab can spend a rotated refresh token or
// miss another tab's login. With `webStorage(localStorage, { key })` both default to that key;
// `false` opts out; any other storage (memoryStorage, sessionStorage, an app's own) gets none.

/** What createSession wires for `sync` and `lock`. */
export interface TabWiring {
  sync?: SessionSync;
  lock?: RefreshLock;
}

/**
 * `sync` and `lock` as given, or their defaults for a webStorage over the page's localStorage:
 * `broadcastSync(key)` and `webLocks(key)` (which says once, through `onWarning`, where the
 * browser has no `navigator.locks`).
 */
export function tabWiring(
  storage: TokenStorage | undefined,
  sync: SessionSync | false | undefined,
  lock: RefreshLock | false | undefined,
  onWarning: ((message: string) => void) | undefined,
): TabWiring {
  const shared = describeStorage(storage);
  const key = shared?.shared ? shared.key : undefined;
  const wiring: TabWiring = {};
  const chosenSync = sync === undefined && key !== undefined ? broadcastSync(key) : sync;
  const chosenLock = lock === undefined && key !== undefined ? webLocks(key, onWarning ? { onWarning } : {}) : lock;
  if (chosenSync) wiring.sync = chosenSync;
  if (chosenLock) wiring.lock = chosenLock;
  return wiring;
}
