// Table 4: memory. Needs --expose-gc (run.ts starts every section with it).
//  (a) heap per queued request: 10,000 callers wait while a refresh is in flight;
//  (b) heap after 100,000 login → refresh → logout cycles vs after 1,000 (one session).
import { getHeapSpaceStatistics } from 'node:v8';
import { createSession, memoryStorage, type Session } from 'silent-session';
import { createAuthFetch } from 'silent-session/fetch';
import { fmt, type GoalCheck, type SectionResult } from '../lib/report.js';
import { API, fakeJwt, stubFetch } from '../lib/stubs.js';

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Bytes of live JS objects after full GCs: the heap's object spaces, without code space
 * (JIT output comes and goes with optimization, which is not what a leak check is after).
 */
async function settledHeap(): Promise<number> {
  if (!gc) throw new Error('memory section needs node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('code'))
    .reduce((sum, s) => sum + s.space_used_size, 0);
}

/** How many settled fulfilled, without keeping their values alive. */
async function countFulfilled(promises: Array<Promise<unknown> | null>): Promise<number> {
  let n = 0;
  await Promise.all(promises.map((p) => p?.then(() => void n++, () => undefined)));
  return n;
}

/** A session stuck in `refreshing` until `release()` answers the refresh. */
function refreshingSession(): { session: Session; release: () => void } {
  let release = () => {};
  const iat = Math.floor(Date.now() / 1000);
  const session = createSession({
    refresh: () =>
      new Promise((resolve) => {
        release = () => resolve({ accessToken: fakeJwt({ sub: 'm', iat, exp: iat + 3_600, v: 2 }), refreshToken: 'r2' });
      }),
    storage: memoryStorage(),
    wake: false,
    refreshTimeout: 600_000,
  });
  session.login({ accessToken: fakeJwt({ sub: 'm', iat, exp: iat + 3_600, v: 1 }), refreshToken: 'r1' });
  return { session, release: () => release() };
}

/** Bytes of heap per waiting caller, made by `wait` (kept in a preallocated array). */
async function perWaiter(waiters: number, wait: (session: Session) => Promise<unknown>): Promise<{ perWaiter: number; after: number; settled: number }> {
  const { session, release } = refreshingSession();
  const held: Array<Promise<unknown> | null> = new Array<Promise<unknown> | null>(waiters).fill(null);
  void session.refresh().catch(() => {}); // now refreshing; this first waiter is in the baseline
  await new Promise((r) => setImmediate(r));
  const before = await settledHeap();
  for (let i = 0; i < waiters; i++) held[i] = wait(session);
  await new Promise((r) => setImmediate(r));
  const during = await settledHeap();
  const pending = session.getSnapshot().pending;
  release();
  const settled = await countFulfilled(held);
  held.fill(null);
  const after = await settledHeap();
  session.stop();
  if (pending < waiters) throw new Error(`expected ${waiters} waiters, the session reports ${pending}`);
  return { perWaiter: (during - before) / waiters, after: after - before, settled };
}

export async function run(options: { quick: boolean }): Promise<SectionResult> {
  const WAITERS = 10_000;
  const CYCLES = options.quick ? 20_000 : 100_000;

  // (a) heap per queued request
  const bare = await (async () => {
    const held: Array<Promise<unknown> | null> = new Array<Promise<unknown> | null>(WAITERS).fill(null);
    const resolvers: Array<(() => void) | null> = new Array<(() => void) | null>(WAITERS).fill(null);
    const before = await settledHeap();
    for (let i = 0; i < WAITERS; i++) held[i] = new Promise<void>((resolve) => (resolvers[i] = resolve));
    const during = await settledHeap();
    for (const r of resolvers) r?.();
    return (during - before) / WAITERS;
  })();
  // a first pass warms up the JIT and the type feedback, which would otherwise count as heap
  await perWaiter(2_000, (s) => s.getAccessToken());
  const waiting = await perWaiter(WAITERS, (s) => s.getAccessToken());
  // Release check with 5× the waiters: GC noise (±200 KB) would be ±20 B per waiter at 10,000.
  const RELEASE = 5 * WAITERS;
  const released = await perWaiter(RELEASE, (s) => s.getAccessToken());
  const withSignal = await perWaiter(WAITERS, (s) => s.getAccessToken({ signal: new AbortController().signal }));
  let authFetch: typeof fetch | undefined;
  for (const waiters of [2_000, WAITERS]) {
    authFetch = undefined;
    await perWaiter(waiters, (s) => {
      authFetch ??= createAuthFetch(s, { baseUrl: API, fetch: stubFetch });
      return authFetch(`${API}/items/1`);
    });
  }
  authFetch = undefined;
  const viaFetch = await perWaiter(WAITERS, (s) => {
    authFetch ??= createAuthFetch(s, { baseUrl: API, fetch: stubFetch });
    return authFetch(`${API}/items/1`);
  });
  authFetch = undefined;

  // (b) login → refresh → logout cycles on one session. The clock moves a minute per cycle so
  // that the default limit of 5 refreshes a minute is never what stops a cycle.
  let clock = Date.now();
  let n = 0;
  const session = createSession({
    refresh: async () => {
      n++;
      const iat = Math.floor(clock / 1000);
      return { accessToken: fakeJwt({ sub: 'c', iat, exp: iat + 3_600, n }), refreshToken: `r${n}` };
    },
    storage: memoryStorage(),
    wake: false,
    now: () => clock,
  });
  let failures = 0;
  const cycle = async (i: number) => {
    const iat = Math.floor(clock / 1000);
    session.login({ accessToken: fakeJwt({ sub: 'c', iat, exp: iat + 3_600, i }), refreshToken: `l${i}` });
    try {
      await session.refresh();
    } catch {
      failures++;
    }
    session.logout();
    clock += 61_000;
  };
  const start = await settledHeap();
  const t0 = performance.now();
  const checkpoints = [1_000, CYCLES / 4, CYCLES / 2, (3 * CYCLES) / 4, CYCLES];
  const heapAt: Array<[number, number]> = [];
  let busy = 0;
  for (let i = 0; i < CYCLES; ) {
    const started = performance.now();
    const next = checkpoints.find((c) => c > i) ?? CYCLES;
    for (; i < next; i++) await cycle(i);
    busy += performance.now() - started;
    heapAt.push([i, await settledHeap()]);
  }
  const at1k = heapAt[0]?.[1] ?? Number.NaN;
  const atN = heapAt.at(-1)?.[1] ?? Number.NaN;
  const seconds = busy / 1000;
  session.stop();
  const growth = atN - at1k;
  const perCycle = growth / (CYCLES - 1_000);
  const quarter = heapAt[1] ?? [1_000, at1k];
  const steady = (atN - quarter[1]) / (CYCLES - quarter[0]);

  const goals: GoalCheck[] = [
    {
      goal: `heap after ${fmt.int(CYCLES)} login/refresh/logout cycles ≈ heap after 1,000 (no growth beyond noise: < 2 B per cycle, where one leaked object a cycle would be ≥ 16 B)`,
      measured: `${growth >= 0 ? '+' : ''}${fmt.bytes(growth)} (${perCycle.toFixed(2)} B per cycle)`,
      met: perCycle < 2,
    },
    {
      goal: `every queued caller settles, and its memory is released (< 16 B per waiter left after ${fmt.int(RELEASE)} waiters settled)`,
      measured: `${fmt.int(waiting.settled)}/${fmt.int(WAITERS)} and ${fmt.int(released.settled)}/${fmt.int(RELEASE)} resolved; heap afterwards ${released.after >= 0 ? '+' : ''}${fmt.bytes(released.after)} vs before (${(released.after / RELEASE).toFixed(1)} B per waiter)`,
      met: waiting.settled === WAITERS && released.settled === RELEASE && released.after / RELEASE < 16,
    },
  ];
  return {
    title: '4. Memory',
    tables: [
      {
        caption: `Heap per queued request (${fmt.int(WAITERS)} waiters while a refresh is in flight)`,
        header: ['what waits', 'heap per waiter', 'settled', 'heap after release vs before'],
        rows: [
          ['reference: a bare pending `new Promise` with its resolver kept', fmt.bytes(bare), '–', '–'],
          ['`session.getAccessToken()`', fmt.bytes(waiting.perWaiter), `${fmt.int(waiting.settled)}`, fmt.bytes(waiting.after)],
          [`\`session.getAccessToken()\`, ${fmt.int(RELEASE)} waiters`, fmt.bytes(released.perWaiter), `${fmt.int(released.settled)}`, fmt.bytes(released.after)],
          ['`session.getAccessToken({ signal })` (an AbortSignal each)', fmt.bytes(withSignal.perWaiter), `${fmt.int(withSignal.settled)}`, fmt.bytes(withSignal.after)],
          ['`createAuthFetch(...)(url)` (the whole adapter call waiting)', fmt.bytes(viaFetch.perWaiter), `${fmt.int(viaFetch.settled)}`, fmt.bytes(viaFetch.after)],
        ],
        notes: [
          'Live heap (V8 object spaces, code space excluded) after forced GCs (--expose-gc), before vs while the callers wait; the array holding the promises is allocated before the first measurement. The signal row includes each caller\'s AbortController and listener.',
        ],
      },
      {
        caption: 'Heap across login → refresh → logout cycles (one session, in-process refresh)',
        header: ['after', 'live heap (object spaces)', 'vs start'],
        rows: [
          ['start', fmt.bytes(start), '–'],
          ...heapAt.map(([c, h]) => [`${fmt.int(c)} cycles`, fmt.bytes(h), `${h - start >= 0 ? '+' : ''}${fmt.bytes(h - start)}`]),
        ],
        notes: [
          `${fmt.int(CYCLES)} cycles in ${seconds.toFixed(1)} s (${fmt.us((seconds * 1e9) / CYCLES)} per cycle); ${failures} cycles failed. Growth from 1,000 to ${fmt.int(CYCLES)} cycles: ${growth >= 0 ? '+' : ''}${fmt.bytes(growth)} (${perCycle.toFixed(2)} B per cycle); from ${fmt.int(quarter[0])} on: ${steady.toFixed(2)} B per cycle.`,
          'The clock moves 61 s per cycle, so the default limit of 5 refreshes a minute never refuses one, and its window of timestamps stays short.',
        ],
      },
    ],
    goals,
  };
}
