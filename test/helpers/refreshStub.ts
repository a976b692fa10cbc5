import type { RefreshContext, TokenSet } from '../../src/index.js';

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
    /** The call in flight, once the refresh cycle has reached the network (a few microtasks). */
    async next(): Promise<RefreshCall> {
      for (let i = 0; i < 100; i++) {
        const call = calls.at(-1);
        if (call && !call.settled) return call;
        await Promise.resolve();
      }
      throw new Error('no refresh call in flight');
    },
    /** Call number `n` (from 1), once the refresh cycle has made it. */
    async nth(n: number): Promise<RefreshCall> {
      for (let i = 0; i < 100 && calls.length < n; i++) await Promise.resolve();
      const call = calls[n - 1];
      if (!call) throw new Error(`refresh call ${n} never came (${calls.length} so far)`);
      return call;
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
