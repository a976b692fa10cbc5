import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSession, SessionError } from '../../src/index.js';
import { flush, scriptedRefresh } from '../helpers/refreshStub.js';

const ACCESS = 'access-token-that-must-never-appear-whole-1A2B';
const REFRESH = 'refresh-token-that-must-never-appear-whole-3C4D';
const NEXT = 'next-access-token-that-must-never-appear-whole-5E6F';

/** Serializes what an inspector would see (it sends events and snapshots as JSON). */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return typeof v === 'function' ? undefined : v;
  });
}

describe('the inspect option', () => {
  it('reaches xstate createActor and receives every event, with tokens redacted to their last four characters', async () => {
    const events: InspectionEvent[] = [];
    const refresh = scriptedRefresh();
    const session = createSession({ refresh: refresh.fn, wake: false, inspect: (e) => events.push(e) });
    session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 300 });
    const renewed = session.refresh();
    (await refresh.next()).resolve({ accessToken: NEXT, refreshToken: REFRESH + 'x', expiresIn: 300 });
    await renewed;
    session.tokenRejected(NEXT).catch(() => {});
    await flush();

    const types = new Set(events.map((e) => e.type));
    for (const type of ['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.microstep', '@xstate.action']) expect(types).toContain(type);
    expect(events.some((e) => e.type === '@xstate.event' && e.event.type === 'LOGIN')).toBe(true);
    expect(events.some((e) => e.actorRef.sessionId === session.actor.sessionId)).toBe(true);

    const text = events.map(serialize).join('\n');
    for (const secret of [ACCESS, REFRESH, NEXT]) expect(text).not.toContain(secret);
    expect(text).toContain('…1A2B');
    expect(text).toContain('…5E6F');
    session.stop();
  });

  it('accepts an observer object as well as a function', () => {
    const seen: string[] = [];
    const session = createSession({
      refresh: async () => ({ accessToken: 'x' }),
      wake: false,
      inspect: { next: (e) => seen.push(e.type) },
    });
    session.login({ accessToken: ACCESS, expiresIn: 60 });
    expect(seen).toContain('@xstate.event');
    session.stop();
  });
});

describe('errors and warnings', () => {
  it('never carry a whole token', async () => {
    const warnings: string[] = [];
    const refresh = scriptedRefresh();
    const session = createSession({ refresh: refresh.fn, wake: false, retry: { attempts: 0 }, onWarning: (m) => warnings.push(m) });
    session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 300 });
    const failures: unknown[] = [];
    session.refresh().catch((e: unknown) => failures.push(e));
    (await refresh.next()).resolve({ accessToken: `eyJhbGciOiJIUzI1NiJ9.%%%.${NEXT}` });
    await flush();
    session.tokensRenewed({ accessToken: `eyJhbGciOiJIUzI1NiJ9.bad!.${NEXT}` });
    expect(() => session.login({ accessToken: `eyJhbGciOiJIUzI1NiJ9.bad!.${ACCESS}` })).toThrow(SessionError);
    try {
      session.login({ accessToken: `eyJhbGciOiJIUzI1NiJ9.bad!.${ACCESS}` });
    } catch (e) {
      failures.push(e);
    }
    expect(failures).toHaveLength(2);
    const text = [...warnings, ...failures.map((e) => `${(e as Error).message} ${serialize(e)}`)].join('\n');
    for (const secret of [ACCESS, REFRESH, NEXT]) expect(text).not.toContain(secret);
    expect(warnings.length).toBeGreaterThan(0);
  });
});
