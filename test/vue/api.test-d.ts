import type { HttpHandler, HttpResponseResolver } from 'msw';
import type { Plugin, Ref } from 'vue';
import { describe, expectTypeOf, it } from 'vitest';
import type { Session, SessionError, SessionSnapshot, SessionStatus, TokenSet } from '../../src/index.js';
import { createAuthBackend, type AuthBackend, type BackendCounters, type RefreshFailure } from '../../src/msw.js';
import { provideSession, sessionPlugin, useSession, useSessionSelector } from '../../src/vue.js';

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
