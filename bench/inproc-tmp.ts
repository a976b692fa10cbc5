import { createSession, memoryStorage } from '../src/index.ts';
import { createAuthFetch } from '../src/fetch.ts';
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
const jwt = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp, sub: 'u' })).toString('base64url')}.sig`;
let clock = 1_000_000_000_000;
const a: number[] = [], b: number[] = [], c: number[] = [];
const fakeFetch = async () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
for (let i = 0; i < 3000; i++) {
  let tIn = 0, tOut = 0;
  const s = createSession({
    refresh: async () => { tIn = performance.now(); const t = { accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' + i }; tOut = performance.now(); return t; },
    storage: memoryStorage(), wake: false, now: () => clock,
  });
  s.login({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' });
  clock += 61_000;
  const f = createAuthFetch(s, { baseUrl: 'http://127.0.0.1:1', fetch: fakeFetch });
  const t0 = performance.now();
  await (await f('/x')).json();
  const t1 = performance.now();
  s.stop();
  if (i > 1000) { a.push(tIn - t0); b.push(t1 - tOut); c.push(t1 - t0); }
}
console.log(`until refresh ${(med(a) * 1000).toFixed(0)} µs, after answer ${(med(b) * 1000).toFixed(0)} µs, total ${(med(c) * 1000).toFixed(0)} µs`);
import { profile } from './lib/profile.ts';
if (process.argv[2] === 'prof') {
  const sum = await profile('inproc', async () => {
    for (let i = 0; i < 3000; i++) {
      const s = createSession({ refresh: async () => ({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' + i }), storage: memoryStorage(), wake: false, now: () => clock });
      s.login({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' });
      clock += 61_000;
      const f = createAuthFetch(s, { baseUrl: 'http://127.0.0.1:1', fetch: fakeFetch });
      await (await f('/x')).json();
      s.stop();
    }
  });
  for (const f of sum.inclusive.slice(0, 45)) console.log(`${(f.share * 100).toFixed(1)}% ${f.name} ${f.where}`);
  for (const f of sum.functions.slice(0, 20)) console.log(`self ${(f.share * 100).toFixed(1)}% ${f.name} ${f.where} ${f.group}`);
}
