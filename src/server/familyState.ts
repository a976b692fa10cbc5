// One family's state and the steps on it, as plain data and pure functions. The memory store
// runs them under its own single thread; the Redis store's Lua script (redis/scripts.ts) is the
// same logic written for the server, and the conformance and property tests hold the two equal.
import type { AbandonStep, NewFamily, RevokeStep, RotateResult, RotateStep } from './storeTypes.js';

/** A spent token within the grace window: what it was exchanged for, and what to restore on abandon. */
export interface RecentEntry {
  spentAt: number;
  child: string;
  sealed: string;
  /** The family's seq before this rotation. */
  seq: number;
  prevIssuedAt: number;
  prevExpiresAt: number;
  prevHandedOut: boolean;
  prevLoops: number[];
}

/** Everything a store keeps for one family. */
export interface FamilyState {
  subject: string;
  extra: string;
  loginAt: number;
  /** 0: no maximum age. */
  endsAt: number;
  revoked: boolean;
  seq: number;
  current: string;
  currentIssuedAt: number;
  expiresAt: number;
  /** The current token was given to a caller by a replay (an abandon must not take it back). */
  handedOut: boolean;
  /** Access-token lifetime in ms, 0 when unknown. */
  accessTtl: number;
  /** When the loop rotations of the last minute happened. */
  loops: number[];
  /** In the order they were spent (pruned from the front). */
  recent: Map<string, RecentEntry>;
  /** Child hashes of abandoned attempts, with when. */
  tombstones: Map<string, number>;
  /** Spent tokens, until they would have expired and their grace window ended: hash → [expiresAt, spentAt]. */
  spent: Map<string, [number, number]>;
}

export const MINUTE = 60_000;
/**
 * Clients see time in whole seconds (a `Date` header, `iat`, `exp`) and err early, so a token on
 * schedule may be refreshed up to this much before half its life: only earlier is a loop.
 */
export const CLIENT_TIME_RESOLUTION = 1_000;

export function newFamilyState(family: NewFamily): FamilyState {
  return {
    subject: family.subject,
    extra: family.extra,
    loginAt: family.loginAt,
    endsAt: family.endsAt,
    revoked: false,
    seq: 0,
    current: family.tokenHash,
    currentIssuedAt: family.now,
    expiresAt: family.expiresAt,
    handedOut: false,
    accessTtl: 0,
    loops: [],
    recent: new Map(),
    tombstones: new Map(),
    spent: new Map(),
  };
}

/** A family is forgotten `retain` ms after its last token expired. */
export const isGone = (f: FamilyState | undefined, now: number, retain: number): f is undefined => f === undefined || now >= f.expiresAt + retain;

/** When a token issued at `now` expires under `policy` (refreshTtl, idleTtl, the family's end). */
export function expiryOf(now: number, refreshTtl: number, idleTtl: number, endsAt: number): number {
  let at = now + refreshTtl;
  if (idleTtl > 0) at = Math.min(at, now + idleTtl);
  if (endsAt > 0) at = Math.min(at, endsAt);
  return at;
}

/** Deletes entries from the front of `map` while `done` says so (they were added in time order). */
function dropWhile<V>(map: Map<string, V>, done: (value: V) => boolean): void {
  for (const [key, value] of map) {
    if (!done(value)) return;
    map.delete(key);
  }
}

// What no step can need any more: pruning is never visible in an answer (each step checks the
// times itself), it only bounds memory. Amortised O(1) per rotation, however long the family.
function prune(f: FamilyState, now: number, grace: number): void {
  dropWhile(f.recent, (entry) => now - entry.spentAt > grace);
  dropWhile(f.tombstones, (at) => now - at > grace);
  dropWhile(f.spent, ([expiresAt, spentAt]) => Math.max(expiresAt, spentAt + grace) < now);
}

const answer = (f: FamilyState, kind: 'rotated' | 'replayed', chain: string[]): RotateResult => ({
  kind,
  seq: f.seq,
  subject: f.subject,
  extra: f.extra,
  loginAt: f.loginAt,
  expiresAt: f.expiresAt,
  accessTtl: f.accessTtl,
  chain,
  currentHash: f.current,
});

/** The most hops a replay walks from a spent token to the current one. */
export const MAX_CHAIN = 64;

/** One rotation (see RotateStep). Mutates `f`; `changed` says whether it must be written back. */
export function rotateFamily(f: FamilyState | undefined, step: RotateStep): { result: RotateResult; changed: boolean } {
  const { tokenHash: hash, childHash: child, now, policy } = step;
  const refuse = (reason: 'reused' | 'expired' | 'revoked' | 'unknown', changed = false) => ({ result: { kind: 'refused' as const, reason }, changed });
  if (isGone(f, now, policy.retain)) return refuse('unknown');
  if (f.tombstones.has(child)) return { result: { kind: 'void' }, changed: false };
  if (f.revoked) return refuse('revoked');
  if (now >= f.expiresAt) return refuse('expired');

  if (f.current === hash) {
    const loops = f.loops.filter((at) => at > now - MINUTE);
    const isLoop = policy.maxPerMinute > 0 && f.accessTtl > 0 && (now - f.currentIssuedAt) * 2 < f.accessTtl - 2 * CLIENT_TIME_RESOLUTION;
    if (isLoop && loops.length >= policy.maxPerMinute) {
      const retryAfter = Math.max(1, Math.min(...loops) + MINUTE - now);
      return { result: { kind: 'refused', reason: 'rate-limited', retryAfter }, changed: false };
    }
    if (isLoop) loops.push(now);
    prune(f, now, policy.grace);
    f.recent.set(hash, {
      spentAt: now,
      child,
      sealed: step.sealed,
      seq: f.seq,
      prevIssuedAt: f.currentIssuedAt,
      prevExpiresAt: f.expiresAt,
      prevHandedOut: f.handedOut,
      prevLoops: f.loops,
    });
    f.spent.set(hash, [f.expiresAt, now]);
    f.current = child;
    f.currentIssuedAt = now;
    f.expiresAt = expiryOf(now, policy.refreshTtl, policy.idleTtl, f.endsAt);
    f.seq += 1;
    f.handedOut = false;
    f.loops = loops;
    return { result: answer(f, 'rotated', []), changed: true };
  }

  const spent = f.spent.get(hash);
  if (spent === undefined) return refuse('unknown');
  // a token spent just before it expired may still be replayed: the grace window is checked first
  if (now - spent[1] <= policy.grace) {
    // within the grace window: walk the chain of successors to the current token
    const chain: string[] = [];
    let at = hash;
    while (at !== f.current) {
      const entry = f.recent.get(at);
      // pruned by a later call: this call is older than the window it needs
      if (entry === undefined || chain.length >= MAX_CHAIN) return { result: { kind: 'void' }, changed: false };
      chain.push(entry.sealed);
      at = entry.child;
    }
    const changed = !f.handedOut;
    f.handedOut = true;
    return { result: answer(f, 'replayed', chain), changed };
  }
  if (spent[0] <= now) return refuse('unknown');
  f.revoked = true;
  return refuse('reused', true);
}

/** See AbandonStep. Returns whether `f` changed. */
export function abandonFamily(f: FamilyState | undefined, step: AbandonStep): boolean {
  if (isGone(f, step.now, step.policy.retain)) return false;
  const entry = f.recent.get(step.tokenHash);
  if (f.current === step.childHash && !f.handedOut && entry?.child === step.childHash) {
    f.current = step.tokenHash;
    f.currentIssuedAt = entry.prevIssuedAt;
    f.expiresAt = entry.prevExpiresAt;
    f.handedOut = entry.prevHandedOut;
    f.loops = entry.prevLoops;
    f.seq = entry.seq;
    f.recent.delete(step.tokenHash);
    f.spent.delete(step.tokenHash);
    f.tombstones.set(step.childHash, step.now);
    return true;
  }
  if (f.current === step.tokenHash) {
    f.tombstones.set(step.childHash, step.now);
    return true;
  }
  return false;
}

/** See RevokeStep. Returns whether this call ended the family. */
export function revokeFamily(f: FamilyState | undefined, step: RevokeStep): boolean {
  if (isGone(f, step.now, step.retain) || f.revoked) return false;
  if (step.tokenHash !== null && f.current !== step.tokenHash) {
    const spent = f.spent.get(step.tokenHash);
    if (spent === undefined || spent[0] <= step.now) return false;
  }
  f.revoked = true;
  return true;
}

export function statusOf(f: FamilyState | undefined, now: number, retain: number): 'active' | 'revoked' | 'expired' | 'unknown' {
  if (isGone(f, now, retain)) return 'unknown';
  if (f.revoked) return 'revoked';
  return now >= f.expiresAt ? 'expired' : 'active';
}
