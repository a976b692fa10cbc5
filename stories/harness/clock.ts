import { createStore, type Store } from './store.js';

/** 15 January 2026, 09:00:00 UTC: every story starts here, so every run sees the same times. */
export const CLOCK_START = Date.UTC(2026, 0, 15, 9, 0, 0);

/**
 * A clock that moves only when told to. The session and the fake server both read it, so
 * "the token expired" happens exactly when a story says so, never because a test ran slowly.
 */
export interface Clock {
  /** Epoch ms, for `createSession({ now })` and the server's `iat`/`exp`. */
  now(): number;
  /** Moves time forward by `ms` (whole seconds keep JWT `iat` exact). */
  advance(ms: number): void;
  /** Ms since the story started; React reads it through `store`. */
  readonly store: Store<number>;
}

export function createClock(start = CLOCK_START): Clock {
  const store = createStore(0);
  return {
    now: () => start + store.get(),
    advance: (ms) => store.update((elapsed) => elapsed + ms),
    store,
  };
}
