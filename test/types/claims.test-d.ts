import ky from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import { createSession, jsonRefresh, type Session, type SessionSnapshot } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { withSession } from '../../src/ky.js';
import {
  useSession,
  useSessionSelector,
  type SessionProviderProps,
  type UseSessionResult,
} from '../../src/react.js';
import type { SessionStatechartProps } from '../../src/devtools.js';

type Claims = { sub: string; roles: string[] };
interface ExtendingClaims extends Record<string, unknown> {
  sub: string;
  tenant: number;
}
const refresh = jsonRefresh({ url: '/auth/refresh' });

describe('claims typed by the app', () => {
  it('createSession<Claims>() types the snapshot’s claims', () => {
    const session = createSession<Claims>({ refresh });
    expectTypeOf(session).toEqualTypeOf<Session<Claims>>();
    expectTypeOf(session.getSnapshot().claims).toEqualTypeOf<Claims | null>();
    session.subscribe((s) => expectTypeOf(s.claims).toEqualTypeOf<Claims | null>());
    expectTypeOf(createSession<ExtendingClaims>({ refresh }).getSnapshot().claims).toEqualTypeOf<ExtendingClaims | null>();
  });

  it('without a type argument, claims stay a record of unknowns (existing code compiles)', () => {
    const session = createSession({ refresh });
    expectTypeOf(session).toEqualTypeOf<Session>();
    expectTypeOf(session.getSnapshot().claims).toEqualTypeOf<Record<string, unknown> | null>();
    expectTypeOf(session.getSnapshot().claims?.['roles']).toEqualTypeOf<unknown>();
  });

  it('a typed session goes wherever a session does: adapters, provider, debug view', () => {
    const session = createSession<Claims>({ refresh });
    expectTypeOf(session).toMatchTypeOf<Session>();
    createAuthFetch(session);
    withSession(ky.create(), session);
    const provider: SessionProviderProps = { session };
    const view: SessionStatechartProps = { session };
    expectTypeOf(provider.session).toEqualTypeOf<Session>();
    expectTypeOf(view.session).toEqualTypeOf<Session>();
  });

  it('useSession<Claims>() and an annotated useSessionSelector() read typed claims', () => {
    expectTypeOf(useSession<Claims>).returns.toEqualTypeOf<UseSessionResult<Claims>>();
    expectTypeOf<UseSessionResult<Claims>['claims']>().toEqualTypeOf<Claims | null>();
    expectTypeOf<UseSessionResult['claims']>().toEqualTypeOf<Record<string, unknown> | null>();
    const roles = () => useSessionSelector((s: SessionSnapshot<Claims>) => s.claims?.roles);
    expectTypeOf(roles).returns.toEqualTypeOf<string[] | undefined>();
  });

  it('refuses claims that are not an object', () => {
    // @ts-expect-error a payload is an object
    createSession<string>({ refresh });
  });
});
