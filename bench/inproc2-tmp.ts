import { createSession, memoryStorage } from '../src/index.ts';
import { createAuthFetch } from '../src/fetch.ts';
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
const jwt = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp, sub: 'u' })).toString('base64url')}.sig`;
let clock = 1_000_000_000_000;
const first: number[] = [], second: number[] = [], create: number[] = [];
const fakeFetch = async () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
for (let i = 0; i < 3000; i++) {
  const c0 = performance.now();
  const s = createSession({ refresh: async () => ({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' + i }), storage: memoryStorage(), wake: false, now: () => clock });
  s.login({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' });
  const c1 = performance.now();
  const f = createAuthFetch(s, { baseUrl: 'http://127.0.0.1:1', fetch: fakeFetch });
  for (const arr of [first, second]) {
    clock += 61_000;
    const t0 = performance.now();
    await (await f('/x')).json();
    if (i > 1000) arr.push(performance.now() - t0);
  }
  if (i > 1000) create.push(c1 - c0);
  s.stop();
}
console.log(`create+login ${(med(create) * 1000).toFixed(0)} µs; first refresh+request ${(med(first) * 1000).toFixed(0)} µs, second ${(med(second) * 1000).toFixed(0)} µs`);
