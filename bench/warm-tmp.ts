import { createSession, memoryStorage } from '../src/index.ts';
import { createAuthFetch } from '../src/fetch.ts';
import { profile } from './lib/profile.ts';
const jwt = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp, sub: 'u' })).toString('base64url')}.sig`;
let clock = 1_000_000_000_000;
const fakeFetch = async () => new Response('{"ok":true}');
const s = createSession({ refresh: async () => ({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' + clock }), storage: memoryStorage(), wake: false, now: () => clock });
s.login({ accessToken: jwt(clock / 1000 + 60), refreshToken: 'r' });
const f = createAuthFetch(s, { baseUrl: 'http://127.0.0.1:1', fetch: fakeFetch });
const once = async () => { clock += 61_000; await (await f('/x')).text(); };
for (let i = 0; i < 3000; i++) { await once(); if (i % 500 === 0) console.log(i); }
const t0 = performance.now(); for (let i = 0; i < 3000; i++) { await once(); if (i % 500 === 0) console.log(i); } console.log(`warm ${((performance.now() - t0) / 3).toFixed(0)} µs per refresh+request`);
const sum = await profile('warm', async () => { for (let i = 0; i < 5000; i++) await once(); });
const byFile = new Map<string, number>();
for (const fn of sum.functions) { const k = fn.group === 'silent-session' || fn.where.includes('/src/') ? fn.where.replace(/:\d+$/, '').replace(/^.*\/src\//, 'src/') : fn.group; byFile.set(k, (byFile.get(k) ?? 0) + fn.share); }
console.log([...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v * 100).toFixed(1)}% ${k}`).join('\n'));
for (const fn of sum.functions.slice(0, 30)) console.log(`self ${(fn.share * 100).toFixed(1)}% ${fn.name} ${fn.where}`);
