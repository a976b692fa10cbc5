import { SessionError } from './errors.js';
import { cleanText, secretsIn } from './redact.js';
import type { SessionEvent } from './machineTypes.js';
import { normalizeTokens, toTokenSet, type Tokens } from './tokens.js';
import type { SessionSync, SyncMessage } from './types.js';
import { errorMessage } from './util.js';
import { msg } from './dev.js';

/** How this tab talks to the others through a {@link SessionSync}. */
export interface Tabs {
  publishTokens(tokens: Tokens): void;
  /** `endedAt`: this tab ended the session by a policy, at this time (null: by a logout or the server). */
  publishLogout(tokens: Tokens | null, kind: SessionError['kind'] | null, endedAt: number | null): void;
  /** Activity here, told to the other tabs a few times a minute at most. */
  publishActivity(at: number): void;
  /** True when another tab ended this login on its own before `at` (then that tab revokes it). */
  endedEarlierElsewhere(loginId: string, at: number): boolean;
  stop(): void;
}

const ENDED_KINDS = new Set(['idle-timeout', 'session-expired', 'rejected']);
// A login stamp from the future is a forgery or a broken clock: it would win forever.
const FUTURE_SLACK_MS = 60_000;

/**
 * Connects a session to other tabs. Incoming messages become machine events only when they
 * are well formed; the machine then decides whether they move the session (rule 12). A
 * message this version does not understand is ignored.
 */
export function connectTabs(o: {
  sync: SessionSync | undefined;
  now: () => number;
  send: (event: SessionEvent) => void;
  warn: (message: string) => void;
  /** Ms between two activity messages. */
  activityEvery: number;
}): Tabs {
  const tab = Math.random().toString(36).slice(2, 10);
  const ends = new Map<string, { at: number; tab: string }>();
  let lastPublished = -Infinity;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;

  const publish = (message: SyncMessage) => {
    try {
      o.sync?.publish(message);
    } catch (error) {
      // its error may quote the message, which carries the tokens
      o.warn(process.env.NODE_ENV !== 'production' ? `sync.publish threw; the session goes on (${cleanText(errorMessage(error), secretsIn(message))})` : msg('sync-threw'));
    }
  };

  const receive = (message: SyncMessage) => {
    const m = message as Partial<Record<string, unknown>> | null;
    if (m?.type === 'tokens') {
      if (typeof (m.tokens as { accessToken?: unknown } | null)?.accessToken !== 'string') return; // not understood
      let tokens: Tokens;
      try {
        tokens = normalizeTokens(m.tokens, o.now(), 'tab', 'tokens from another tab');
      } catch (error) {
        return o.warn(errorMessage(error));
      }
      if (tokens.login === null || tokens.login.at > o.now() + FUTURE_SLACK_MS) return;
      // A tab whose refresh token has expired logs out; it never hands such a set on.
      if (tokens.refreshExpiresAt !== null && tokens.refreshExpiresAt <= o.now()) return;
      o.send({ type: 'TAB_TOKENS', tokens });
    } else if (m?.type === 'logout') {
      const loginId = typeof m.loginId === 'string' ? m.loginId : undefined;
      if (loginId !== undefined && typeof m.endedAt === 'number' && typeof m.tab === 'string') {
        const known = ends.get(loginId);
        if (!known || before(m.endedAt, m.tab, known.at, known.tab)) ends.set(loginId, { at: m.endedAt, tab: m.tab });
        if (ends.size > 16) ends.delete(ends.keys().next().value as string);
      }
      const kind = typeof m.kind === 'string' && ENDED_KINDS.has(m.kind) ? (m.kind as SessionError['kind']) : null;
      const reason = kind === null ? null : new SessionError(kind, 'the session ended in another tab');
      o.send({ type: 'TAB_LOGGED_OUT', loginId, reason });
    } else if (m?.type === 'activity' && typeof m.at === 'number' && Number.isFinite(m.at)) {
      o.send({ type: 'ACTIVITY', at: Math.min(m.at, o.now()) });
    }
  };

  const unsubscribe = o.sync?.subscribe(receive);

  const sendActivity = () => {
    trailing = undefined;
    lastPublished = o.now();
    publish({ type: 'activity', at: latest });
  };

  return {
    publishTokens: (tokens) => publish({ type: 'tokens', tokens: toTokenSet(tokens) }),
    publishLogout(tokens, kind, endedAt) {
      const loginId = tokens?.login?.id;
      const message: SyncMessage = { type: 'logout' };
      if (loginId !== undefined) message.loginId = loginId;
      if (kind === 'idle-timeout' || kind === 'session-expired' || kind === 'rejected') message.kind = kind;
      if (endedAt !== null) {
        message.endedAt = endedAt;
        message.tab = tab;
      }
      publish(message);
    },
    publishActivity(at) {
      if (!o.sync) return;
      latest = Math.max(latest, at);
      // leading edge at once, then at most one more per interval carrying the latest time
      if (trailing !== undefined) return;
      const wait = lastPublished + o.activityEvery - o.now();
      if (wait <= 0) sendActivity();
      else trailing = setTimeout(sendActivity, wait);
    },
    endedEarlierElsewhere(loginId, at) {
      const other = ends.get(loginId);
      return other !== undefined && before(other.at, other.tab, at, tab);
    },
    stop() {
      unsubscribe?.();
      clearTimeout(trailing);
    },
  };
}

const before = (at: number, tab: string, otherAt: number, otherTab: string) => at < otherAt || (at === otherAt && tab < otherTab);
