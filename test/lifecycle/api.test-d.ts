import { describe, expectTypeOf, it } from 'vitest';
import {
  createSession,
  jsonRefresh,
  onSessionEnd,
  whenRestored,
  type Session,
  type SessionEndListener,
  type SessionError,
  type SessionSnapshot,
} from '../../src/index.js';

// The public contract of whenRestored and onSessionEnd, with the app's claims carried through.
type Claims = { sub: string; roles: string[] };
const session = createSession<Claims>({ refresh: jsonRefresh({ url: '/auth/refresh' }) });

describe('whenRestored and onSessionEnd types', () => {
  it('whenRestored resolves with the session’s own snapshot type', () => {
    expectTypeOf(whenRestored(session)).toEqualTypeOf<Promise<SessionSnapshot<Claims>>>();
    expectTypeOf(whenRestored(session as Session)).toEqualTypeOf<Promise<SessionSnapshot>>();
  });

  it('onSessionEnd hands the reason (null for a plain logout) and the typed snapshot; returns the unsubscribe', () => {
    const stop = onSessionEnd(session, (reason, snapshot) => {
      expectTypeOf(reason).toEqualTypeOf<SessionError | null>();
      expectTypeOf(snapshot.claims).toEqualTypeOf<Claims | null>();
    });
    expectTypeOf(stop).toEqualTypeOf<() => void>();
    expectTypeOf<SessionEndListener>().parameters.toEqualTypeOf<[SessionError | null, SessionSnapshot]>();
  });
});
