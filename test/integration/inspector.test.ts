import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { createSession, jsonRefresh } from '../../src/index.js';
import { authServer } from '../helpers/server.js';
import { wholeTokensIn } from '../helpers/integration.js';

// The Stately Inspector (`@statelyai/inspect`, its real createInspector) with an in-process
// adapter instead of a browser window or a socket: everything the adapter receives is what the
// inspector would ship to stately.ai. The inspector reads more than the events it is given: for
// every `@xstate.actor` event it calls `actorRef.getSnapshot()` later (an idle callback), so the
// whole live context of the session and of its refresh actor is within its reach.

/** JSON as an inspector sends it: functions dropped, cycles cut. */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    if (typeof v === 'function') return undefined;
    if (v instanceof Error) return { ...v, name: v.name, message: v.message, stack: v.stack, cause: v.cause };
    return v;
  });
}

/** Everything an observer can read from the actor refs it was handed, read now. */
function reachable(events: InspectionEvent[]): unknown[] {
  const out: unknown[] = [];
  const visited = new Set<unknown>();
  const visit = (ref: AnyActorRef | undefined, depth = 0) => {
    if (!ref || visited.has(ref) || depth > 4) return;
    visited.add(ref);
    const snapshot = ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> };
    out.push(snapshot, ref.getPersistedSnapshot?.(), ref.system?.getSnapshot?.());
    for (const child of Object.values(snapshot.children ?? {})) visit(child, depth + 1);
    visit(ref._parent, depth + 1);
    visit(ref.system?.get('refresh'), depth + 1);
  };
  for (const event of events) {
    visit(event.actorRef as AnyActorRef);
    if (event.type === '@xstate.event') visit(event.sourceRef as AnyActorRef | undefined);
    if ('snapshot' in event) {
      const children = (event.snapshot as { children?: Record<string, AnyActorRef> }).children ?? {};
      for (const child of Object.values(children)) visit(child);
    }
  }
  return out;
}

describe('the Stately Inspector (@statelyai/inspect) sees no whole token', () => {
  it('login → refresh → logout against the real auth server: nothing its adapter receives, and nothing readable through the refs it got, holds a whole token', async () => {
    const server = await authServer({ accessTtl: 60 });
    const sent: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (event) => void sent.push(event) });
    const handed: InspectionEvent[] = [];
    const loggedOut: unknown[] = [];
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh` }),
      wake: false,
      onLoggedOut: (reason) => loggedOut.push(reason),
      inspect: (event) => {
        handed.push(event);
        inspector.inspect.next?.(event);
      },
    });
    onTestFinished(() => session.stop());

    const login = await server.login();
    session.login(login);
    const refreshed = await session.refresh();
    const rotated = JSON.parse(server.seen.at(-1)?.body ?? '{}') as { refreshToken?: string };
    const stored = session.getSnapshot().accessToken;
    expect(stored).toBe(refreshed);
    // what an observer reads through its refs while the session holds tokens
    const readWhileSignedIn = serialize(reachable(handed));
    session.logout();
    expect(loggedOut).toEqual([null]);

    // The inspector converts events in idle callbacks; wait for the one about the logout.
    await vi.waitFor(() => expect(sent.some((e) => e.type === '@xstate.event' && (e.event as { type?: string }).type === 'LOGOUT')).toBe(true));
    await vi.waitFor(() => expect(sent.length).toBe(handed.filter((e) => ['@xstate.actor', '@xstate.event', '@xstate.snapshot'].includes(e.type)).length));

    const secrets = [login.accessToken, login.refreshToken, refreshed, rotated.refreshToken];
    expect(secrets.every((s) => typeof s === 'string' && s.length > 20)).toBe(true);
    // the refresh answer's new refresh token, which the session now holds
    const types = new Set(sent.map((e) => e.type));
    expect([...types].sort()).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    // the refresh actor was seen by the inspector, with its output: tokens shown as their last four characters
    const actorNames = sent.filter((e) => e.type === '@xstate.actor').map((e) => (e as { name?: string }).name);
    expect(actorNames).toContain('refreshAttempt');
    const shipped = sent.map(serialize).join('\n');
    expect(wholeTokensIn([shipped], secrets)).toEqual([]);
    expect(shipped).toContain(`…${refreshed.slice(-4)}`);

    const readLater = serialize(reachable(handed));
    expect(wholeTokensIn([readWhileSignedIn, readLater], secrets)).toEqual([]);
    expect(readWhileSignedIn).toContain(`"accessToken":"…${refreshed.slice(-4)}"`);
    // the refresh attempt's answer, as the event that carried it, and the storing state's write of it
    expect(shipped).toContain(`"type":"ANSWER_RECEIVED","tokens":{"accessToken":"…${refreshed.slice(-4)}"`);
    expect(actorNames).toContain('storeAnswer');
  });

  it('an error that quotes a token (a refresh endpoint echoing the refresh token) reaches the inspector scrubbed, also under keys that do not say "token"', async () => {
    const handed: InspectionEvent[] = [];
    const secret = 'rt_quoted-by-the-server-0123456789';
    const session = createSession({
      refresh: async () => {
        throw Object.assign(new Error(`refresh token ${secret} is revoked`), { detail: { presented: secret } });
      },
      wake: false,
      retry: { attempts: 0 },
      onWarning: () => {},
      inspect: (event) => void handed.push(event),
    });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'at-0123456789-abcdef', refreshToken: secret, expiresIn: 600 });
    await session.refresh().catch(() => {});
    const text = serialize(handed) + serialize(reachable(handed));
    expect(text).toContain('is revoked');
    expect(wholeTokensIn([text], [secret, 'at-0123456789-abcdef'])).toEqual([]);
  });
});
