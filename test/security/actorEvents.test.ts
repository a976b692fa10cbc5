import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession, SessionError, type Session } from '../../src/index.js';
import { fakeJwt, flush, pair } from '../helpers/refreshStub.js';

// Issue 14 item 6: `session.actor` is public (for inspection), so any code of the app can send
// it any event. None may break a rule: no uncaught error (a crashed Node process), no state
// that says "here is a token" without one, and every getAccessToken() settles.

// Errors that escape to the process (xstate reports an actor's unhandled error from a timer).
const escaped: unknown[] = [];
const onEscape = (error: unknown) => void escaped.push(error);
beforeEach(() => {
  escaped.length = 0;
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterEach(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
  vi.clearAllTimers();
  vi.useRealTimers();
});

const TIMEOUT = 1_000;

function start() {
  let n = 0;
  const session = createSession({
    refresh: async () => pair(`r${++n}`),
    refreshTimeout: TIMEOUT,
    retry: { attempts: 1, backoff: () => 100 },
    wake: false,
    onWarning: () => {},
  });
  const broken: string[] = [];
  // every state the actor passes through, not only the last one
  session.actor.subscribe({
    next: (s) => {
      if (s.hasTag('hasToken') && (s.context.tokens === null || typeof s.context.tokens.accessToken !== 'string')) broken.push(JSON.stringify(s.value));
    },
    error: () => {}, // the test asserts on the actor's status instead
  });
  return { session, broken };
}

/** getAccessToken() settles (resolves a string or rejects with a SessionError) within the session's bounds. */
async function expectSettles(session: Session) {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  session.getAccessToken().then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  // the longest a caller can wait here: two attempts, a backoff, each bounded
  await vi.advanceTimersByTimeAsync(3 * TIMEOUT);
  expect(outcome, 'getAccessToken() is still pending').toBeDefined();
  if (outcome?.ok) expect(typeof outcome.value).toBe('string');
  else expect(outcome?.error).toMatchObject({ name: 'SessionError' });
}

function expectHealthy(t: ReturnType<typeof start>) {
  expect(t.session.actor.getSnapshot().status).toBe('active');
  expect(t.broken).toEqual([]);
  expect(escaped).toEqual([]);
}

const NAMED: Array<[string, Record<string, unknown>]> = [
  ['TAB_TOKENS with tokens: null', { type: 'TAB_TOKENS', tokens: null }],
  ['TOKENS_RECEIVED with tokens: null (the v1 name of the same event)', { type: 'TOKENS_RECEIVED', tokens: null, from: 'sync' }],
  ['LOGIN without tokens', { type: 'LOGIN' }],
  ['LOGIN with tokens: "x"', { type: 'LOGIN', tokens: 'x' }],
  ['TOKENS_FOUND with tokens: "x"', { type: 'TOKENS_FOUND', tokens: 'x' }],
  ['TOKENS_FOUND with tokens: { accessToken: "" }', { type: 'TOKENS_FOUND', tokens: { accessToken: '' } }],
  ['ANSWER_RECEIVED with tokens: { accessToken: "" }', { type: 'ANSWER_RECEIVED', tokens: { accessToken: '' } }],
  ['TOKEN_REQUESTED with at: "soon", caller: {}', { type: 'TOKEN_REQUESTED', at: 'soon', caller: {} }],
  ['LIFETIME_ENDED before any end', { type: 'LIFETIME_ENDED' }],
  ['ACTIVITY at NaN', { type: 'ACTIVITY', at: NaN }],
  ['REFRESH_FAILED with error: {}', { type: 'REFRESH_FAILED', error: {} }],
  ['REFRESH_FAILED with error: null', { type: 'REFRESH_FAILED', error: null }],
  ['TOKENS_RENEWED with tokens: []', { type: 'TOKENS_RENEWED', tokens: [] }],
  ['LATE_REFRESH_ANSWER without tokens', { type: 'LATE_REFRESH_ANSWER', spent: '' }],
  ['TAB_LOGGED_OUT with reason: "x"', { type: 'TAB_LOGGED_OUT', loginId: 42, reason: 'x' }],
  ['TOKEN_REJECTED with token: {}', { type: 'TOKEN_REJECTED', token: {} }],
  ['TOKEN_EXPIRED out of the blue', { type: 'TOKEN_EXPIRED' }],
  ['an internal done event of the restore', { type: 'xstate.done.actor.restore', output: { accessToken: 'x' } }],
  ['an internal error event (xstate.error.actor.*)', { type: 'xstate.error.actor.refreshAttempt', error: new Error('forged') }],
  ['an event with no type', {}],
  ['an event of the wildcard type "*"', { type: '*' }],
];

describe.each(NAMED)('session.actor.send(%s)', (_, event) => {
  for (const where of ['loggedOut', 'authenticated', 'refreshing'] as const) {
    it(`in ${where}: no uncaught error, no token-less hasToken state, and getAccessToken() settles`, async () => {
      vi.useFakeTimers();
      const t = start();
      if (where !== 'loggedOut') t.session.login(pair('login'));
      if (where === 'refreshing') void t.session.refresh().catch(() => {});
      t.session.actor.send(event as never);
      await flush();
      expectHealthy(t);
      await expectSettles(t.session);
      expectHealthy(t);
      t.session.stop();
    });
  }
});

describe('random events with random payloads (fast-check)', () => {
  const TYPES = [
    'LOGIN', 'LOGOUT', 'REFRESH', 'TOKEN_REJECTED', 'ACTIVITY', 'WAKE', 'LEAD_TIME_REACHED', 'TOKEN_EXPIRED',
    'ENDING_WARNING_REACHED', 'LIFETIME_ENDED', 'LOCK_CONTENDED', 'REQUEST_SENT', 'ANSWER_RECEIVED', 'TOKENS_FOUND', 'TOKEN_REQUESTED',
    'REFRESH_FAILED', 'LATE_REFRESH_ANSWER', 'TOKENS_RENEWED', 'TAB_TOKENS', 'TAB_LOGGED_OUT', 'SESSION_CHANGED',
    'xstate.done.actor.restore', 'xstate.error.actor.refreshAttempt', 'xstate.init', 'xstate.stop',
  ];
  const tokensLike = fc.record(
    {
      accessToken: fc.oneof(fc.string(), fc.constant(fakeJwt({ sub: 'x', exp: 1e10 })), fc.constant(null)),
      refreshToken: fc.oneof(fc.string(), fc.constant(undefined)),
      expiresAt: fc.oneof(fc.double(), fc.constant(null), fc.constant(Date.now() + 60_000)),
      lifetime: fc.oneof(fc.double(), fc.constant(null)),
      claims: fc.oneof(fc.constant(null), fc.object()),
      refreshExpiresAt: fc.oneof(fc.double(), fc.constant(null)),
      login: fc.oneof(fc.constant(null), fc.record({ id: fc.string(), at: fc.double() })),
    },
    { requiredKeys: [] },
  );
  const sessionError = fc
    .constantFrom('network', 'timeout', 'http', 'rejected', 'invalid-response', 'rate-limited', 'session-expired', 'aborted')
    .map((kind) => new SessionError(kind as never, 'random'));
  const payload = fc.oneof(fc.anything(), tokensLike, sessionError);
  const event = fc.record(
    {
      type: fc.oneof(fc.constantFrom(...TYPES), fc.string()),
      tokens: payload,
      error: payload,
      token: payload,
      at: fc.oneof(fc.double(), fc.anything()),
      reason: payload,
      loginId: payload,
      spent: payload,
      output: payload,
    },
    { requiredKeys: ['type'] },
  );

  it('never crash the session, never claim a token it does not have, and every getAccessToken() settles', async () => {
    vi.useFakeTimers();
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(event, { minLength: 1, maxLength: 25 }), async (loggedIn, events) => {
        const t = start();
        if (loggedIn) t.session.login(pair('login'));
        for (const e of events) {
          t.session.actor.send(e as never);
          await flush(3);
        }
        expectHealthy(t);
        await expectSettles(t.session);
        expectHealthy(t);
        t.session.stop();
      }),
      { numRuns: 1000 },
    );
  });
});
