import { randomBytes } from 'node:crypto';

/** A pair handed out by the server. */
export interface IssuedPair {
  accessToken: string;
  refreshToken: string;
}

interface Entry {
  family: string;
  /** When this token stops working: its own lifetime, capped by its family's maximum age. */
  user: string;
  expiresAt: number;
  usedAt: number | null;
  /** What this token was exchanged for, answered again inside the grace window. */
  successor: IssuedPair | null;
}

/** What presenting a refresh token led to. */
export type Exchange =
  | { ok: true; user: string; family: string; reused: boolean; answer: (issue: () => Promise<IssuedPair>) => Promise<IssuedPair> }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reuse' };

/**
 * Refresh tokens with rotation and reuse detection: each token works once; presenting a
 * used token again revokes its whole family (every tab of that login), unless it comes
 * within `graceMs` of the first use, where the same successor pair is answered again.
 */
export function createRefreshTokenStore(options: { ttlMs: number; graceMs: number; now: () => number; maxAgeMs?: number }) {
  const tokens = new Map<string, Entry>();
  const revoked = new Set<string>();
  /** When each family (login) started, for `maxAgeMs`. */
  const started = new Map<string, number>();

  return {
    /** Starts a family (a login) and returns its first refresh token. */
    start(user: string): { family: string; refreshToken: string } {
      const family = randomBytes(6).toString('hex');
      started.set(family, options.now());
      return { family, refreshToken: this.add(user, family) };
    },
    add(user: string, family: string): string {
      const token = `rt_${randomBytes(18).toString('base64url')}`;
      const end = (started.get(family) ?? options.now()) + (options.maxAgeMs ?? Infinity);
      tokens.set(token, { family, user, expiresAt: Math.min(options.now() + options.ttlMs, end), usedAt: null, successor: null });
      return token;
    },
    exchange(token: string): Exchange {
      const entry = tokens.get(token);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (revoked.has(entry.family)) return { ok: false, reason: 'revoked' };
      if (entry.expiresAt <= options.now()) return { ok: false, reason: 'expired' };
      if (entry.usedAt !== null) {
        const successor = entry.successor;
        if (successor && options.now() - entry.usedAt <= options.graceMs) {
          return { ok: true, user: entry.user, family: entry.family, reused: true, answer: async () => successor };
        }
        revoked.add(entry.family);
        return { ok: false, reason: 'reuse' };
      }
      entry.usedAt = options.now();
      return {
        ok: true,
        user: entry.user,
        family: entry.family,
        reused: false,
        answer: async (issue) => (entry.successor = await issue()),
      };
    },
    familyOf: (token: string) => tokens.get(token)?.family,
    /** When the family's login happened (epoch ms on the server's clock). */
    startedAt: (family: string) => started.get(family),
    /** Ms until `token` expires (0 when it has, or is unknown). */
    lifetimeLeft: (token: string) => Math.max(0, (tokens.get(token)?.expiresAt ?? 0) - options.now()),
    revoke: (family: string) => void revoked.add(family),
    isRevoked: (family: string) => revoked.has(family),
    revokeAll() {
      for (const entry of tokens.values()) revoked.add(entry.family);
    },
  };
}
