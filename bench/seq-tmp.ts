import { createSession, memoryStorage } from '../src/index.ts';
import { createAuthFetch } from '../src/fetch.ts';
const jwt = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp, sub: 'u' })).toString('base64url')}.sig`;
let clock = 1_000_000_000_000;
let t0 = 0; const log: string[] = [];
const fakeFetch = async () => { log.push(`${((performance.now() - t0) * 1000).toFixed(0)} fetch`); return new Response('{"ok":true}'); };
for (let i = 0; i < 2000; i++) {
  log.length = 0;
  const s = createSession({
    refresh: async () => { log.push(`${((performance.now() - t0) * 1000).toFixed(0)} refresh called`); return { accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' + i }; },
    storage: memoryStorage(), wake: false, now: () => clock,
  });
  s.actor.subscribe((snap) => log.push(`${((performance.now() - t0) * 1000).toFixed(0)} ${JSON.stringify(snap.value)}`));
  s.login({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' });
  clock += 61_000;
  const f = createAuthFetch(s, { baseUrl: 'http://127.0.0.1:1', fetch: fakeFetch });
  t0 = performance.now();
  await (await f('/x')).text();
  log.push(`${((performance.now() - t0) * 1000).toFixed(0)} done`);
  s.stop();
}
console.log(log.join('\n'));
