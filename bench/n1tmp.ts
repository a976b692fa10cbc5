// One request after expiry (N = 1): session trial vs bare refresh + bare request, alternating.
import axios from 'axios';
import { createSession, jsonRefresh, memoryStorage } from 'silent-session';
import { attachSession } from 'silent-session/axios';
import { createAuthFetch } from 'silent-session/fetch';
import { httpAgent, limitFetchConnections } from '/work/wt/bytes/bench/lib/pool.ts';
import { startRemoteServer } from '/work/wt/bytes/bench/lib/remoteServer.ts';
import { profile } from '/work/wt/bytes/bench/lib/profile.ts';

const reps = Number(process.argv[2] ?? 60);
const server = await startRemoteServer({ accessTtl: 60, graceMs: 0 });
await limitFetchConnections(`${server.url}/health`);
const bareParts: number[] = [];
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
type T = { accessToken: string; refreshToken: string };
async function trial(family: 'fetch' | 'axios', parts?: number[][]) {
  const tokens = await server.login();
  let tIn = 0, tOut = 0, tF = 0, tR = 0;
  const inner = jsonRefresh({ url: `${server.url}/refresh` });
  const s = createSession({ refresh: async (ctx) => { tIn = performance.now(); const a = await inner(ctx); tOut = performance.now(); return a; }, storage: memoryStorage(), wake: false, now: server.now });
  s.login(tokens);
  await server.advance(61_000);
  let t0: number;
  if (family === 'fetch') {
    const f = createAuthFetch(s, { baseUrl: server.url, fetch: async (i: RequestInfo | URL, init?: RequestInit) => { tF = performance.now(); const r = await fetch(i, init); tR = performance.now(); return r; } });
    t0 = performance.now();
    await (await f('/api/item/0')).json();
  } else {
    const api = axios.create({ baseURL: server.url, httpAgent });
    attachSession(api, s);
    t0 = performance.now();
    await api.get('/api/item/0');
  }
  const t1 = performance.now();
  s.stop();
  parts?.push([tIn - t0, tOut - tIn, t1 - tOut, tF - tOut, tR - tF, t1 - tR]);
  return t1 - t0;
}
async function bare(family: 'fetch' | 'axios') {
  let { refreshToken } = await server.login();
  const t0 = performance.now();
  let accessToken: string;
  if (family === 'axios') {
    const res = await axios.post(`${server.url}/refresh`, { refreshToken }, { httpAgent });
    accessToken = (res.data as T).accessToken;
    await axios.get(`${server.url}/api/item/0`, { httpAgent, headers: { authorization: `Bearer ${accessToken}` } });
  } else {
    const res = await fetch(`${server.url}/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    accessToken = ((await res.json()) as T).accessToken;
    bareParts.push(performance.now() - t0);
    await (await fetch(`${server.url}/api/item/0`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
  }
  return performance.now() - t0;
}
for (let i = 0; i < 30; i++) { await trial('fetch'); await trial('axios'); await bare('fetch'); await bare('axios'); }
const out: Record<string, number[]> = { fetch: [], axios: [], bfetch: [], baxios: [] };
const parts: number[][] = [];
for (let i = 0; i < reps; i++) {
  out.fetch!.push(await trial('fetch', parts)); out.bfetch!.push(await bare('fetch'));
  out.axios!.push(await trial('axios')); out.baxios!.push(await bare('axios'));
}
for (const f of ['fetch', 'axios']) console.log(`${f}: session ${med(out[f]!).toFixed(2)} ms, bare ${med(out['b' + f]!).toFixed(2)} ms, ratio ${(med(out[f]!) / med(out['b' + f]!)).toFixed(2)}`);
console.log(`bare fetch refresh ${med(bareParts).toFixed(2)}`);
console.log(`fetch parts: until refresh ${med(parts.map((p) => p[0]!)).toFixed(2)}, refresh ${med(parts.map((p) => p[1]!)).toFixed(2)}, after ${med(parts.map((p) => p[2]!)).toFixed(2)} = to fetch ${med(parts.map((p) => p[3]!)).toFixed(2)} + fetch ${med(parts.map((p) => p[4]!)).toFixed(2)} + body ${med(parts.map((p) => p[5]!)).toFixed(2)}`);
if (process.argv[3] === 'prof') {
  const sum = await profile('n1', async () => { for (let i = 0; i < 200; i++) await trial('fetch'); });
  console.log(sum.groups.slice(0, 10).map((g) => `${g.group} ${(g.share * 100).toFixed(1)}%`).join(', '));
  for (const f of sum.inclusive.slice(0, 25)) console.log(`${(f.share * 100).toFixed(1)}% ${f.name} ${f.where}`);
  for (const f of sum.functions.slice(0, 25)) console.log(`self ${(f.share * 100).toFixed(1)}% ${f.name} ${f.where} ${f.group}`);
}
await server.close();
