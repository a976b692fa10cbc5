import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Self time share by function, highest first. */
  functions: Array<{ name: string; where: string; group: string; share: number }>;
  /** Self time share by where the code lives. */
  groups: Array<{ group: string; share: number }>;
  /** Inclusive ("total") share of the silent-session functions, highest first. */
  inclusive: Array<{ name: string; where: string; share: number }>;
}

/** Runs `work` under V8's sampling CPU profiler (what `node --cpu-prof` uses). */
export async function profile(name: string, work: () => Promise<void>, intervalUs = 50): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  await work();
  const { profile: result } = (await session.post('Profiler.stop')) as { profile: Profile };
  session.disconnect();
  const dir = new URL('../profiles/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.cpuprofile`, dir), JSON.stringify(result));
  return summarize(result);
}

const DIST = new URL('../../dist/', import.meta.url).href;

export function groupOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : 'V8 builtins';
  if (url.startsWith(DIST)) return 'silent-session';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (url.startsWith('node:')) return url.startsWith('node:internal/deps/undici') ? 'undici (node fetch)' : 'node core';
  if (url.includes('/bench/')) return 'bench harness';
  return url;
}

function summarize(p: Profile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map<number, number>();
  for (const s of p.samples ?? []) counts.set(s, (counts.get(s) ?? 0) + 1);
  let total = 0;
  for (const [id, c] of counts) {
    const fn = byId.get(id)?.callFrame.functionName;
    if (fn === '(idle)') continue;
    total += c;
  }
  const self = new Map<string, { name: string; where: string; group: string; n: number }>();
  const groups = new Map<string, number>();
  const inclusive = new Map<string, { name: string; where: string; n: number }>();
  const key = (n: ProfileNode) => `${n.callFrame.functionName}@${n.callFrame.url}:${n.callFrame.lineNumber}`;
  const short = (url: string, line: number) => `${url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '')}:${line + 1}`;
  for (const [id, c] of counts) {
    const n = byId.get(id);
    if (!n || n.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const g = groupOf(url, functionName);
    const k = key(n);
    const e = self.get(k) ?? { name: functionName || '(anonymous)', where: short(url, lineNumber), group: g, n: 0 };
    e.n += c;
    self.set(k, e);
    groups.set(g, (groups.get(g) ?? 0) + c);
    // inclusive time for silent-session frames on this sample's stack (each frame once)
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur);
      if (!f || groupOf(f.callFrame.url, f.callFrame.functionName) !== 'silent-session') continue;
      const fk = key(f);
      if (seen.has(fk)) continue;
      seen.add(fk);
      const ie = inclusive.get(fk) ?? { name: f.callFrame.functionName || '(anonymous)', where: short(f.callFrame.url, f.callFrame.lineNumber), n: 0 };
      ie.n += c;
      inclusive.set(fk, ie);
    }
  }
  const share = (n: number) => (total === 0 ? 0 : n / total);
  return {
    functions: [...self.values()].sort((a, b) => b.n - a.n).map((e) => ({ name: e.name, where: e.where, group: e.group, share: share(e.n) })),
    groups: [...groups].sort((a, b) => b[1] - a[1]).map(([group, n]) => ({ group, share: share(n) })),
    inclusive: [...inclusive.values()].sort((a, b) => b.n - a.n).map((e) => ({ name: e.name, where: e.where, share: share(e.n) })),
  };
}

export function describeProfile(s: ProfileSummary, top = 12): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `  by code: ${s.groups.slice(0, 8).map((g) => `${g.group} ${pct(g.share)}`).join(', ')}`,
    `  self time: ${s.functions.slice(0, top).map((f) => `${f.name} (${f.group}, ${f.where}) ${pct(f.share)}`).join('; ')}`,
    `  silent-session, inclusive: ${s.inclusive.slice(0, top).map((f) => `${f.name} (${f.where}) ${pct(f.share)}`).join('; ')}`,
  ];
}
