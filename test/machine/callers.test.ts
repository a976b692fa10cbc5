import type { InspectionEvent } from 'xstate';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createSession, SessionError, type SessionOptions } from '../../src/index.js';
import { pair, scriptedRefresh } from '../helpers/refreshStub.js';

// What a caller gets is the chart's answer to one question (DESIGN v3, "The chart decides every
// caller's answer"): getAccessToken(), tokenRejected() and refresh() each ask it once, as a
// TOKEN_REQUESTED event, and the state's transition answers: the token, a wait, the error, or
// a new attempt.

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function start(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const events: string[] = [];
  const session = createSession({
    refresh: refresh.fn,
    wake: false,
    activity: false,
    retry: { attempts: 0 },
    // the events the session's own actor receives
    inspect: (e: InspectionEvent) => void (e.type === '@xstate.event' && e.actorRef.sessionId === e.rootId && events.push(e.event.type)),
    ...extra,
  });
  onTestFinished(() => session.stop());
  return { session, refresh, events, status: () => session.getSnapshot().status };
}

describe('a token the server rejected is never handed out again', () => {
  it('after a 401 for the current token and a failed refresh, the next caller does not get the rejected token', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1, 3_600)); // valid for an hour by the clock
    const retried = session.tokenRejected(pair(1).accessToken);
    (await refresh.next()).reject(new SessionError('http', 'unavailable', { status: 503 }));
    await expect(retried).rejects.toMatchObject({ kind: 'http', status: 503 });
    expect(status()).toBe('refreshFailed');

    // the server said pair(1)'s access token is no good: while the refresh cools down the caller
    // gets the last error at once, never pair(1) again
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'http', status: 503 });
    // once the cooldown is over it waits for a new attempt, and gets that token
    await vi.advanceTimersByTimeAsync(1_000);
    const next = session.getAccessToken();
    (await refresh.nth(2)).resolve(pair(2));
    await expect(next).resolves.toBe(pair(2).accessToken);
  });
});

describe('every caller question is one event the chart answers', () => {
  it('getAccessToken(), tokenRejected() and refresh() each send one TOKEN_REQUESTED, in every state', async () => {
    const { session, refresh, events } = start();
    const asked = () => events.filter((type) => type === 'TOKEN_REQUESTED').length;
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'logged-out' }); // loggedOut: the error
    expect(asked()).toBe(1);
    session.login(pair(1));
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken); // authenticated: the token
    expect(asked()).toBe(2);
    const stale = session.tokenRejected('an-older-token-abcdefgh'); // a stale 401: the current token
    await expect(stale).resolves.toBe(pair(1).accessToken);
    expect(asked()).toBe(3);
    const renewed = session.refresh(); // REFRESH, then the question: a wait
    expect(asked()).toBe(4);
    expect(session.getSnapshot().pending).toBe(1);
    (await refresh.next()).resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(events.filter((type) => type === 'TOKEN_REJECTED')).toEqual([]);
  });
});
