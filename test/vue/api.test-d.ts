import type { HttpHandler, HttpResponseResolver } from 'msw';
import type { Plugin, Ref } from 'vue';
import { describe, expectTypeOf, it } from 'vitest';
import type { Session, SessionError, SessionSnapshot, SessionStatus, TokenSet } from '../../src/index.js';
import { createAuthBackend, type AuthBackend, type BackendCounters, type RefreshFailure } from '../../src/msw.js';
import { provideSession, sessionPlugin, useSession, useSessionSelector, type UseSessionReturn } from '../../src/vue.js';

// The public types of ./vue and ./msw, as DESIGN.md promises them.
describe('silent-session/vue', () => {
  it('useSession() returns read-only refs of the snapshot fields and the session’s methods, never the token', () => {
    const s = useSession();
    expectTypeOf(s.status).toEqualTypeOf<Readonly<Ref<SessionStatus>>>();
    expectTypeOf(s.claims).toEqualTypeOf<Readonly<Ref<Record<string, unknown> | null>>>();
    expectTypeOf(s.error).toEqualTypeOf<Readonly<Ref<SessionError | null>>>();
    expectTypeOf(s.ending).toEqualTypeOf<Readonly<Ref<SessionSnapshot['ending']>>>();
    expectTypeOf(s.isAuthenticated).toEqualTypeOf<Readonly<Ref<boolean>>>();
    expectTypeOf(s.login).toEqualTypeOf<(tokens: TokenSet) => void>();
    expectTypeOf(s.logout).toEqualTypeOf<Session['logout']>();
    expectTypeOf(s.getAccessToken).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(s).not.toHaveProperty('accessToken');
    // @ts-expect-error the refs are read-only
    s.status.value = 'loggedOut';
  });

  it('useSession<Claims>() types claims as React’s does; without it claims stay a record of unknowns', () => {
    type Claims = { sub: string; roles: string[] };
    interface ExtendingClaims extends Record<string, unknown> {
      tenant: number;
    }
    const typed = useSession<Claims>();
    expectTypeOf(typed.claims).toEqualTypeOf<Readonly<Ref<Claims | null>>>();
    expectTypeOf(typed).toEqualTypeOf<UseSessionReturn<Claims>>();
    expectTypeOf(useSession<ExtendingClaims>().claims.value?.tenant).toEqualTypeOf<number | undefined>();
    expectTypeOf(typed.status).toEqualTypeOf<Readonly<Ref<SessionStatus>>>();
    expectTypeOf(typed.touch).toEqualTypeOf<() => void>();
    expectTypeOf(useSession()).toEqualTypeOf<UseSessionReturn>();
    expectTypeOf<UseSessionReturn['claims']>().toEqualTypeOf<Readonly<Ref<Record<string, unknown> | null>>>();
    // @ts-expect-error a payload is an object
    useSession<string>();
  });

  it('useSessionSelector() reads typed claims when the snapshot is annotated', () => {
    const roles = useSessionSelector((s: SessionSnapshot<{ roles: string[] }>) => s.claims?.roles);
    expectTypeOf(roles).toEqualTypeOf<Readonly<Ref<string[] | undefined>>>();
  });

  it('useSessionSelector() returns a read-only ref of what it selects', () => {
    expectTypeOf(useSessionSelector((s) => s.pending)).toEqualTypeOf<Readonly<Ref<number>>>();
  });

  it('provideSession() runs in setup(); sessionPlugin() is an app plugin', () => {
    expectTypeOf(provideSession).parameter(0).toEqualTypeOf<Session>();
    expectTypeOf(provideSession).returns.toEqualTypeOf<void>();
    expectTypeOf(sessionPlugin).returns.toEqualTypeOf<Plugin>();
  });
});

describe('silent-session/msw', () => {
  it('createAuthBackend() gives MSW handlers, switches and counters', () => {
    const backend = createAuthBackend({ baseUrl: 'https://api.example.test', accessTtl: 60 });
    expectTypeOf(backend).toEqualTypeOf<AuthBackend>();
    expectTypeOf(backend.handlers).toEqualTypeOf<HttpHandler[]>();
    expectTypeOf(backend.counters).toEqualTypeOf<Readonly<BackendCounters>>();
    expectTypeOf(backend.failNextRefresh).parameter(0).toEqualTypeOf<RefreshFailure | null>();
    expectTypeOf<'network' | 'hang' | 'error-body' | 500>().toExtend<RefreshFailure>();
    expectTypeOf(backend.protect(() => new Response())).toEqualTypeOf<HttpResponseResolver>();
    expectTypeOf(backend.issueTokens).returns.resolves.toExtend<TokenSet>();
  });
});
