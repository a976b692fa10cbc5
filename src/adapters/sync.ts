import type { SessionSync, SyncMessage } from '../machine/types.js';
import type { StorageLike } from './storage.js';

/** Options of {@link broadcastSync}. */
export interface BroadcastSyncOptions {
  /** Storage for the fallback where BroadcastChannel is missing (default `localStorage`). */
  storage?: StorageLike;
}

// Anything with a `type`: the session reads only what it understands, and checks it (rule 12).
const isMessage = (value: unknown): value is SyncMessage => typeof (value as { type?: unknown } | null)?.type === 'string';

/**
 * Tells the other tabs of this origin about new tokens, logins, logouts and activity, over a
 * BroadcastChannel (or, where that is missing, the `storage` event). A tab that hears of
 * newer tokens adopts them without a refresh of its own; a logout is obeyed at once.
 *
 * @example
 * createSession({ refresh, storage: webStorage(localStorage, { key: 'app' }), sync: broadcastSync('app') })
 */
export function broadcastSync(name: string, options: BroadcastSyncOptions = {}): SessionSync {
  const channelName = `silent-session:${name}`;
  const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel;
  if (Channel) {
    // Open while someone listens (a session between creation and stop()): an open channel keeps
    // a Node process (SSR, tests) alive, and one per request would pile up.
    let channel: BroadcastChannel | null = null;
    let listeners = 0;
    const open = () => (channel ??= new Channel(channelName));
    const closeIfIdle = (c: BroadcastChannel) => {
      if (listeners > 0) return;
      c.close();
      if (channel === c) channel = null;
    };
    return {
      publish(message) {
        const c = open();
        c.postMessage(message);
        closeIfIdle(c); // a message already posted is still delivered
      },
      subscribe(listener) {
        const c = open();
        listeners++;
        const onMessage = (event: MessageEvent) => {
          if (isMessage(event.data)) listener(event.data);
        };
        c.addEventListener('message', onMessage);
        let subscribed = true;
        return () => {
          if (!subscribed) return;
          subscribed = false;
          listeners--;
          c.removeEventListener('message', onMessage);
          closeIfIdle(c);
        };
      },
    };
  }
  return storageEventSync(channelName, options.storage);
}

// Writing a key fires `storage` in every other tab of the origin; the value is removed at once.
function storageEventSync(key: string, given: StorageLike | undefined): SessionSync {
  const target = globalThis as { localStorage?: StorageLike; addEventListener?: Window['addEventListener']; removeEventListener?: Window['removeEventListener'] };
  let storage: StorageLike | undefined;
  try {
    storage = given ?? target.localStorage;
  } catch {
    storage = undefined;
  }
  let counter = 0;
  return {
    publish(message) {
      try {
        storage?.setItem(key, JSON.stringify({ message, n: `${Date.now()}-${Math.random()}-${counter++}` }));
        storage?.removeItem(key);
      } catch {
        // no storage: nothing to tell other tabs with
      }
    },
    subscribe(listener) {
      const onStorage = (event: StorageEvent) => {
        if (event.key !== key || event.newValue === null) return;
        try {
          const { message } = JSON.parse(event.newValue) as { message?: unknown };
          if (isMessage(message)) listener(message);
        } catch {
          // not ours
        }
      };
      target.addEventListener?.('storage', onStorage as EventListener);
      return () => target.removeEventListener?.('storage', onStorage as EventListener);
    },
  };
}
