import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const FIXTURE = join(import.meta.dirname, '../fixtures/appServer.ts');

/** A line an app server printed: a FamilyEvent, `{ type: 'http', status }`, `ready`, `dying`, `warning`. */
export interface AppEvent {
  type: string;
  familyId?: string;
  seq?: number;
  reason?: string;
  status?: number;
  message?: string;
  port?: number;
  app?: number;
}

/** One app server process (test/server/fixtures/appServer.ts), spawned with `node --import tsx`. */
export interface AppProcess {
  index: number;
  url: string;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `count` app server processes sharing one Redis; every line they print goes to
 * `events` (tagged with the app's index). `stop()` ends those still running.
 */
export async function startApps(count: number, env: (index: number) => Record<string, string>, events: AppEvent[] = []) {
  const apps = await Promise.all(Array.from({ length: count }, (_, index) => startApp(index, env(index), events)));
  return {
    apps,
    events,
    async stop() {
      await Promise.all(
        apps.map(async (app) => {
          if (app.proc.exitCode === null && app.proc.signalCode === null) app.proc.kill('SIGTERM');
          await app.exited;
        }),
      );
    },
  };
}

export async function startApp(index: number, env: Record<string, string>, events: AppEvent[]): Promise<AppProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4_000)));
  let buffered = '';
  const ready = new Promise<number>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (!line.startsWith('{')) continue;
        const event = { ...(JSON.parse(line) as AppEvent), app: index };
        if (event.type === 'ready') resolve(event.port as number);
        else events.push(event);
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`app server ${index} exited (${code ?? signal}) before it was ready: ${stderr}`)));
  });
  const port = await ready;
  return { index, url: `http://127.0.0.1:${port}`, proc, exited };
}

/**
 * A loopback load balancer as a fetch: each request goes to the next app server in turn, with
 * the path of the URL it was given. A server that refuses a connection is skipped for `downFor`
 * ms (a health check); the request itself fails, as a dropped connection does.
 */
export function roundRobin(apps: AppProcess[], downFor = 3_000): typeof fetch & { sent: number[] } {
  let next = 0;
  const downUntil = new Map<number, number>();
  const sent = apps.map(() => 0);
  const balanced = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    let app = apps[next++ % apps.length] as AppProcess;
    for (let tries = 0; tries < apps.length && (downUntil.get(app.index) ?? 0) > Date.now(); tries++) app = apps[next++ % apps.length] as AppProcess;
    sent[app.index] = (sent[app.index] ?? 0) + 1;
    try {
      return await fetch(`${app.url}${url.pathname}${url.search}`, init);
    } catch (error) {
      downUntil.set(app.index, Date.now() + downFor);
      throw error;
    }
  };
  return Object.assign(balanced as typeof fetch, { sent });
}

/**
 * What the servers' events say about the families. A rotation is seen as `rotated` (or `dying`:
 * committed by a server that was then killed); a replay answers the rotation it names by `seq`.
 * Double spent: two `rotated` with the same seq in one family. Linear: every seq from 1 to the
 * last was answered, each rotated once (a rotation committed after its caller timed out and then
 * handed out by a replay shows only as `replayed`).
 */
export function audit(events: AppEvent[]) {
  const count = (predicate: (e: AppEvent) => boolean) => events.filter(predicate).length;
  const rotated = new Map<string, number[]>();
  const answered = new Map<string, Set<number>>();
  for (const e of events) {
    if (!e.familyId || e.seq === undefined) continue;
    if (e.type === 'rotated' || e.type === 'dying') rotated.set(e.familyId, [...(rotated.get(e.familyId) ?? []), e.seq]);
    if (e.type === 'rotated' || e.type === 'dying' || e.type === 'replayed') answered.set(e.familyId, (answered.get(e.familyId) ?? new Set()).add(e.seq));
  }
  let doubleSpent = 0;
  const nonLinear: string[] = [];
  for (const [family, seqs] of answered) {
    const list = rotated.get(family) ?? [];
    doubleSpent += list.length - new Set(list).size;
    const max = Math.max(0, ...seqs);
    if (seqs.size !== max) nonLinear.push(`${family}: ${[...seqs].sort((a, b) => a - b).join(',')}`);
  }
  return {
    families: answered.size,
    rotations: count((e) => e.type === 'rotated' || e.type === 'dying'),
    replays: count((e) => e.type === 'replayed'),
    reused: count((e) => e.type === 'refused' && e.reason === 'reused'),
    unknown: count((e) => e.type === 'refused' && e.reason === 'unknown'),
    refusedOther: count((e) => e.type === 'refused' && e.reason !== 'reused' && e.reason !== 'unknown'),
    rateLimited: count((e) => e.type === 'refused' && e.reason === 'rate-limited'),
    unavailable: count((e) => e.type === 'unavailable'),
    status503: count((e) => e.type === 'http' && e.status === 503),
    status5xx: count((e) => e.type === 'http' && (e.status ?? 0) >= 500),
    doubleSpent,
    /** Families whose answered rotation numbers are not exactly 1, 2, …, n. */
    nonLinear: nonLinear.length,
    nonLinearDetail: nonLinear.slice(0, 3),
    warnings: [...new Set(events.filter((e) => e.type === 'warning').map((e) => e.message))],
  };
}
