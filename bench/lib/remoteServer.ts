import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AuthCounters } from '../../demo/server/authServer.js';
import { loaderArgs } from './proc.js';

/** The auth server in a child process plus the jump clock it shares with this process. */
export interface RemoteServer {
  url: string;
  /** This process's view of the shared clock: real time plus every jump made so far. */
  now(): number;
  /** Moves the clock forward on both sides (a laptop lid closed for `ms`). */
  advance(ms: number): Promise<void>;
  counters(): Promise<AuthCounters>;
  reset(): Promise<void>;
  /** Delays every /refresh answer by `ms` (0: none). */
  refreshLatency(ms: number): Promise<void>;
  /** POST /login, as a browser would. */
  login(username?: string): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>;
  close(): Promise<void>;
}

export async function startRemoteServer(options: { accessTtl?: number; graceMs?: number } = {}): Promise<RemoteServer> {
  const child = fork(fileURLToPath(new URL('./serverProcess.ts', import.meta.url)), [], {
    execArgv: loaderArgs(),
    env: { ...process.env, BENCH_SERVER_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`auth server process exited (${code})`)));
    child.once('message', (m: { ready?: string }) => (m.ready ? resolve(m.ready) : reject(new Error('bad hello'))));
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  child.on('message', (m: { id?: number; result?: unknown }) => {
    if (m.id === undefined) return;
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  const call = <T>(op: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (r: unknown) => void);
      child.send({ id, op, ...extra });
    });
  let offset = 0;
  return {
    url,
    now: () => Date.now() + offset,
    async advance(ms) {
      offset += ms;
      await call('advance', { ms });
    },
    counters: () => call<AuthCounters>('counters'),
    reset: () => call<void>('reset'),
    refreshLatency: (ms) => call<void>('latency', { ms }),
    async login(username = 'bench') {
      const res = await fetch(`${url}/login`, { method: 'POST', body: JSON.stringify({ username }) });
      return (await res.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
    },
    async close() {
      if (child.exitCode !== null) return;
      await Promise.race([call('close'), new Promise((r) => setTimeout(r, 2_000))]);
      child.kill();
    },
  };
}
