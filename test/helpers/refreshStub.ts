import type { RefreshContext, TokenSet } from '../../src/index.js';

// Captured before any test installs fake timers: the safety net below must run on real time.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
/** How long next()/nth() wait for a call before failing with a message saying which never came. */
const SAFETY_MS = 5_000;

/** One call of a scripted refresh function, settled by the test. */
export interface RefreshCall {
  refreshToken: string | undefined;
  signal: AbortSignal;
  resolve(tokens: TokenSet): void;
  reject(error: unknown): void;
  settled: boolean;
}

/**
 * A refresh function whose answers the test gives by hand: it records each call, how many
 * were in flight at once, and lets the test resolve or reject each one. This replaces only
 * the network; the session, machine and refresh cycle under test are the real ones.
 */
export function scriptedRefresh() {
  const calls: RefreshCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let auto: ((call: RefreshCall, n: number) => void) | null = null;
  // Tests waiting in next()/nth(): each checks its condition when a call arrives.
  const waiting = new Set<() => void>();
  /** Resolves with `pick()` as soon as it gives a call: at once, or when the call arrives. */
  const waitFor = (pick: () => RefreshCall | undefined, failure: () => string): Promise<RefreshCall> => {
    const ready = pick();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const check = () => {
        const call = pick();
        if (!call) return;
        done();
        resolve(call);
      };
      const timer = realSetTimeout(() => {
        done();
        reject(new Error(`${failure()} within ${SAFETY_MS} ms of real time`));
      }, SAFETY_MS);
      const done = () => {
        waiting.delete(check);
        realClearTimeout(timer);
      };
      waiting.add(check);
    });
  };
  const fn = ({ refreshToken, signal }: RefreshContext) =>
    new Promise<TokenSet>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        if (call.settled) return;
        call.settled = true;
        inFlight--;
        f(v);
      };
      const call: RefreshCall = { refreshToken, signal, resolve: settle(resolve), reject: settle(reject), settled: false };
      calls.push(call);
      // like fetch: an aborted request settles with an AbortError
      signal.addEventListener('abort', () => call.reject(new DOMException('aborted', 'AbortError')), { once: true });
      auto?.(call, calls.length);
      for (const check of [...waiting]) check();
    });
  return {
    fn,
    calls,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    /** The most recent call. */
    get last(): RefreshCall {
      const call = calls.at(-1);
      if (!call) throw new Error('no refresh call yet');
      return call;
    },
    /** The call in flight: the last one, if not yet settled, else the next to arrive. */
    next(): Promise<RefreshCall> {
      return waitFor(
        () => {
          const call = calls.at(-1);
          return call && !call.settled ? call : undefined;
        },
        () => `no refresh call in flight (${calls.length === 0 ? 'none made' : `${calls.length} made, all settled`})`,
      );
    },
    /** Call number `n` (from 1), once the refresh cycle has made it. */
    nth(n: number): Promise<RefreshCall> {
      return waitFor(
        () => calls[n - 1],
        () => `refresh call ${n} never came (${calls.length} so far)`,
      );
    },
    /** Answer every future call at once with `answer(n)` (n counts from 1). */
    answerWith(answer: (n: number, call: RefreshCall) => TokenSet | Error) {
      auto = (call, n) => {
        const result = answer(n, call);
        queueMicrotask(() => (result instanceof Error ? call.reject(result) : call.resolve(result)));
      };
    },
  };
}

/** An opaque token set with a lifetime in seconds. */
export function pair(n: number | string, expiresIn = 300): TokenSet {
  return { accessToken: `access-${n}-abcdefgh`, refreshToken: `refresh-${n}-abcdefgh`, expiresIn };
}

/** An unsigned JWT with the given claims (the session only decodes, never verifies). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}.c2lnbmF0dXJl`;
}

/** Lets pending promise callbacks run. */
export async function flush(times = 50): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
