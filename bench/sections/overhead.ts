// Table 2a: per-request overhead in-process. Each client calls a stub that answers at once
// (fetch: a fresh Response; axios: an adapter), so what is left is the client's own cost and
// the adapter's. Rounds alternate between the variants of a family; the overhead is the median
// over rounds of (adapter ns/op − bare ns/op) measured in the same round.
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import ky from 'ky';
import { attachSession } from 'silent-session/axios';
import { createAuthFetch } from 'silent-session/fetch';
import { kyHooks, withSession } from 'silent-session/ky';
import { describeProfile, profile, type ProfileSummary } from '../lib/profile.js';
import { fmt, median, type GoalCheck, type SectionResult, type Table } from '../lib/report.js';
import { createSession, memoryStorage } from 'silent-session';
import { API, fakeJwt, stubAdapter, stubFetch, stubSession } from '../lib/stubs.js';

type Op = () => Promise<unknown>;
interface Variant {
  name: string;
  op: Op;
  /** The variant this one is compared with. */
  bare?: string;
}

const GOAL_NS = 2_000;

async function loop(op: Op, iterations: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await op();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

/** Interleaved rounds; returns every round's ns/op per variant. */
async function measure(variants: Variant[], rounds: number, roundMs: number): Promise<Map<string, number[]>> {
  const iterations = new Map<string, number>();
  for (const v of variants) {
    await loop(v.op, 3_000); // warm up (JIT)
    const ns = await loop(v.op, 1_000);
    iterations.set(v.name, Math.max(200, Math.round((roundMs * 1e6) / ns)));
  }
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) samples.get(v.name)?.push(await loop(v.op, iterations.get(v.name) ?? 1_000));
  }
  return samples;
}

export async function run(options: { quick: boolean }): Promise<SectionResult> {
  const rounds = options.quick ? 5 : 21;
  const roundMs = options.quick ? 60 : 120;
  const session = stubSession();
  const url = `${API}/items/1`;
  const header = `Bearer ${session.getSnapshot().accessToken}`;

  const kyBase = { baseUrl: `${API}/`, fetch: stubFetch };
  const kyBare = ky.create(kyBase);
  const kyWith = withSession(ky.create(kyBase), session);
  const kyHandSet = ky.create({ ...kyBase, headers: { authorization: header } });
  const kyHooked = ky.create({ ...kyBase, hooks: kyHooks(session, { fetch: stubFetch }) });
  // ky clones every response for afterResponse hooks: hooks that do nothing are kyHooks' floor
  const kyEmptyHooks = ky.create({ ...kyBase, hooks: { beforeRequest: [() => {}], afterResponse: [() => {}] } });
  const authFetch = createAuthFetch(session, { baseUrl: API, fetch: stubFetch });
  const axBare = axios.create({ baseURL: API, adapter: stubAdapter });
  const axAuth = axios.create({ baseURL: API, adapter: stubAdapter });
  attachSession(axAuth, session);

  // sanity: the adapters attach the token
  let seen: string | null = null;
  const peek = createAuthFetch(session, { baseUrl: API, fetch: async (input, init) => ((seen = new Headers(init?.headers ?? (input as Request).headers).get('authorization')), stubFetch(input, init)) });
  await peek(url);
  if (seen !== header) throw new Error('createAuthFetch did not attach the token');

  const families: Array<{ title: string; variants: Variant[] }> = [
    {
      title: 'ky 2.1.0',
      variants: [
        { name: 'bare ky', op: () => kyBare.get('items/1') },
        { name: 'ky + hand-set header', op: () => kyHandSet.get('items/1'), bare: 'bare ky' },
        { name: 'ky + withSession', op: () => kyWith.get('items/1'), bare: 'bare ky' },
        { name: 'ky + empty hooks', op: () => kyEmptyHooks.get('items/1'), bare: 'bare ky' },
        { name: 'ky + kyHooks', op: () => kyHooked.get('items/1'), bare: 'ky + empty hooks' },
      ],
    },
    {
      title: 'fetch',
      variants: [
        { name: 'bare fetch', op: () => stubFetch(url) },
        { name: 'fetch + hand-set header', op: () => stubFetch(url, { headers: { authorization: header } }), bare: 'bare fetch' },
        { name: 'createAuthFetch', op: () => authFetch(url), bare: 'bare fetch' },
      ],
    },
    {
      title: 'axios 1.21.1',
      variants: [
        { name: 'bare axios', op: () => axBare.get('/items/1') },
        { name: 'axios + attachSession', op: () => axAuth.get('/items/1'), bare: 'bare axios' },
      ],
    },
    {
      title: 'the session alone',
      variants: [
        { name: 'await Promise.resolve(token)', op: () => Promise.resolve(header) },
        { name: 'session.getAccessToken()', op: () => session.getAccessToken(), bare: 'await Promise.resolve(token)' },
      ],
    },
  ];

  // The fixed cost of one refresh in the session: the token has expired, getAccessToken()
  // runs the statechart through refreshing and back with an instant refresh function.
  let clock = Date.now();
  let served = 0;
  const refreshed = createSession({
    refresh: async () => {
      const iat = Math.floor(clock / 1000);
      return { accessToken: fakeJwt({ sub: 'bench', iat, exp: iat + 60, n: ++served }), refreshToken: `r${served}` };
    },
    storage: memoryStorage(),
    wake: false,
    now: () => clock,
  });
  refreshed.login({ accessToken: fakeJwt({ sub: 'bench', iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 60 }), refreshToken: 'r0' });
  const refreshCycle = () => {
    clock += 61_000; // past the token's exp (and a minute on, so the refresh rate limit never bites)
    return refreshed.getAccessToken();
  };
  families.push({
    title: 'one refresh',
    variants: [{ name: 'getAccessToken() on an expired token, instant refresh function', op: refreshCycle }],
  });

  const rows: string[][] = [];
  const goals: GoalCheck[] = [];
  const overheads = new Map<string, number>();
  const perOp = new Map<string, number>();
  for (const family of families) {
    const samples = await measure(family.variants, rounds, roundMs);
    for (const v of family.variants) {
      const mine = samples.get(v.name) ?? [];
      const ns = median(mine);
      perOp.set(v.name, ns);
      let overhead = Number.NaN;
      let ratio = Number.NaN;
      if (v.bare) {
        const base = samples.get(v.bare) ?? [];
        overhead = median(mine.map((x, i) => x - (base[i] ?? Number.NaN)));
        ratio = ns / median(base);
        overheads.set(v.name, overhead);
      }
      const spread = mine.length ? `${fmt.ns(Math.min(...mine))}–${fmt.ns(Math.max(...mine))}` : '–';
      rows.push([family.title, v.name, fmt.ns(ns), spread, v.bare ? fmt.us(overhead) : '–', v.bare ? fmt.ratio(ratio) : '–']);
      const isAdapter = v.bare && !['fetch + hand-set header', 'ky + hand-set header', 'ky + empty hooks', 'session.getAccessToken()'].includes(v.name);
      if (isAdapter) {
        goals.push({
          goal: `${v.name}: ≤ 2 µs per request over ${v.bare} (in-process)`,
          measured: `${fmt.us(overhead)}${overhead > GOAL_NS ? `, ${(overhead / GOAL_NS).toFixed(1)}× the budget` : ''}`,
          met: overhead <= GOAL_NS,
        });
      }
    }
  }

  // Where the time goes: profile each adapter's hot loop (V8 sampling profiler, as --cpu-prof).
  const findings: string[] = [];
  const profiled: Array<[string, Op]> = [
    ['createAuthFetch', () => authFetch(url)],
    ['axios + attachSession', () => axAuth.get('/items/1')],
    ['ky + withSession', () => kyWith.get('items/1')],
    ['ky + kyHooks', () => kyHooked.get('items/1')],
    ['session.getAccessToken()', () => session.getAccessToken()],
    ['getAccessToken() on an expired token, instant refresh function', refreshCycle],
  ];
  const summaries: Array<[string, ProfileSummary]> = [];
  for (const [name, op] of profiled) {
    const ns = perOp.get(name) ?? 1_000;
    const n = Math.round(((options.quick ? 0.5 : 1) * 1e9) / ns);
    const summary = await profile(`overhead-${name.replace(/[^a-z]+/gi, '-').replace(/^-|-$/g, '')}`, () => loop(op, n).then(() => undefined));
    summaries.push([name, summary]);
  }
  findings.push('### Where the time goes (CPU profiles of the hot loops)', '');
  findings.push(
    'V8 sampling profiler (what `node --cpu-prof` records) over each adapter\'s loop against the stub; `bench/profiles/*.cpuprofile` open in Chrome DevTools. Shares are of all non-idle samples; "≈ ns" multiplies a share by that loop\'s ns/op.',
    '',
  );
  for (const [name, s] of summaries) {
    const ns = perOp.get(name) ?? Number.NaN;
    const own = s.groups.find((g) => g.group === 'silent-session')?.share ?? 0;
    findings.push(`- **${name}** (${fmt.ns(ns)} ns/op; silent-session's own code ${(own * 100).toFixed(1)}% self ≈ ${fmt.ns(own * ns)} ns):`);
    findings.push(...describeProfile(s, 10).map((l) => `  ${l.trim()}`));
    const approx = s.inclusive.slice(0, 6).map((f) => `${f.name} ≈ ${fmt.ns(f.share * ns)} ns`);
    if (approx.length) findings.push(`  inclusive ≈ ns/request: ${approx.join(', ')}`);
  }

  const components = await componentCosts(axAuth, options.quick);
  findings.push(
    '',
    '### What the adapters\' steps cost here (synchronous micro-benchmarks, ns per call)',
    '',
    ...components.map(([what, ns]) => `- ${what}: ${fmt.ns(ns)} ns`),
  );

  const table: Table = {
    caption: 'Per-request cost in-process (stub transport, answers at once)',
    header: ['client', 'variant', 'ns/request (median)', 'range over rounds', 'overhead vs bare', '× bare'],
    rows,
    notes: [
      `${rounds} interleaved rounds of ~${roundMs} ms per variant after a warm-up; sequential awaited requests; the token is valid (no refresh in the loop). "overhead vs bare" is the median over rounds of the difference measured in the same round.`,
      'ky: `ky.create({ baseUrl, fetch: stub })` with ky\'s defaults otherwise (retry 2, timeout 10 s). axios: an instance whose adapter is the stub. fetch: the stub itself is "bare fetch".',
      '"hand-set header" rows (no silent-session) put a fixed `authorization` header on every request: what attaching a token costs the client whoever does it, and a measure of how far apart two rounds of the same client drift.',
      '"one refresh" is not per request: it is the session\'s fixed cost of one refresh (statechart through refreshing and back, JWT decode, storage write, waking the waiter) with a refresh function that answers at once. It is what a refresh adds to the network round trips in table 1.',
    ],
  };
  session.stop();
  refreshed.stop();
  return {
    title: '2a. Per-request overhead, in-process',
    tables: [table],
    intro: [
      'Goal: an adapter adds ≤ 2 µs per request over the bare client. For kyHooks the floor is ky with two empty hooks (ky clones every response for afterResponse hooks), as TOOLCHAIN.md asks.',
    ],
    goals,
    findings,
  };
}

/** ns per call of a synchronous function, median of 7 runs of ~runMs each. */
function syncCost(fn: () => unknown, runMs: number): number {
  const c0 = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) fn();
  const estimate = Number(process.hrtime.bigint() - c0) / 200;
  const iterations = Math.max(200, Math.round((runMs * 1e6) / estimate));
  for (let i = 0; i < iterations; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return median(runs);
}

/** The building blocks the adapters use per request, measured alone. */
async function componentCosts(axAuth: AxiosInstance, quick: boolean): Promise<Array<[string, number]>> {
  const n = quick ? 5 : 25; // ms per run
  let captured: InternalAxiosRequestConfig | undefined;
  const probe = axios.create({ baseURL: API, adapter: (config) => ((captured = config), stubAdapter(config)) });
  await probe.get('/items/1');
  const config = captured as InternalAxiosRequestConfig;
  const url = `${API}/items/1`;
  const request = new Request(url);
  const value = 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln';
  const fresh = syncCost(() => new Request(url), n);
  const response = syncCost(() => new Response('{"ok":true}'), n);
  return [
    ['`axiosInstance.getUri(config)` (the axios adapter resolves every request\'s URL with it; it re-runs mergeConfig)', syncCost(() => axAuth.getUri(config), n)],
    ['`new URL(path, base)`', syncCost(() => new URL('/items/1', API), n)],
    ['`config.headers.set(\'Authorization\', v)` on AxiosHeaders', syncCost(() => config.headers.set('Authorization', value), n)],
    ['`new Headers(undefined)` + `.set(\'authorization\', v)`', syncCost(() => new Headers(undefined).set('authorization', value), n)],
    ['`new Request(url)`', fresh],
    [
      '`new Request(request, { headers })`, beyond making `request` (how createAuthFetch re-sends a Request with the header: every ky request through withSession)',
      syncCost(() => new Request(new Request(url), { headers: { authorization: value } }), n) - fresh,
    ],
    ['`request.headers.set(\'authorization\', v)` on an existing Request', syncCost(() => request.headers.set('authorization', value), n)],
    ['`new Response(body)`', response],
    ['`response.clone()`, beyond making the Response (ky does it for every response when afterResponse hooks exist; fetchGlue.view does it when isTokenRejected is set)', syncCost(() => new Response('{"ok":true}').clone(), n) - response],
  ];
}
