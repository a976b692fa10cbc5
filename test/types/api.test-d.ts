import type { AxiosInstance } from 'axios';
import type { Hooks, KyInstance } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import type { Actor } from 'xstate';
import {
  createSession,
  isSessionError,
  jsonRefresh,
  memoryStorage,
  SessionError,
  sessionMachine,
  toMermaid,
  webStorage,
  broadcastSync,
  webLocks,
  type DpopPort,
  type RefreshLock,
  type Session,
  type SessionSnapshot,
  type SessionStatus,
  type SessionSync,
  type SyncMessage,
  type TokenSet,
  type TokenStorage,
} from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch, type AuthFetch, type AuthRequestInit } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { useSession, useSessionSelector, type UseSessionResult } from '../../src/react.js';

// The public API's names and shapes, as DESIGN.md promises them.
describe('public types', () => {
  it('createSession takes the documented options and returns a Session', () => {
    expectTypeOf(createSession).parameter(0).toHaveProperty('refresh').toEqualTypeOf<
      (ctx: { refreshToken?: string | undefined; signal: AbortSignal; dpop?: DpopPort | undefined }) => Promise<TokenSet>
    >();
    expectTypeOf(createSession).returns.toEqualTypeOf<Session>();
    expectTypeOf<Session['actor']>().toEqualTypeOf<Actor<typeof sessionMachine>>();
    expectTypeOf<Session['getAccessToken']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<Session['tokenRejected']>().parameters.toEqualTypeOf<[token: string]>();
    expectTypeOf<Session['refresh']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<Session['login']>().parameters.toEqualTypeOf<[tokens: TokenSet]>();
  });

  it('snapshots say which of six states the session is in', () => {
    expectTypeOf<SessionStatus>().toEqualTypeOf<'restoring' | 'loggedOut' | 'authenticated' | 'expiringSoon' | 'refreshing' | 'refreshFailed'>();
    expectTypeOf<SessionSnapshot>().toMatchTypeOf<{
      status: SessionStatus;
      accessToken: string | null;
      claims: Record<string, unknown> | null;
      expiresAt: number | null;
      error: SessionError | null;
      pending: number;
      ending: { reason: 'idle' | 'max-age' | 'refresh-expiry'; at: number } | null;
      isAuthenticated: boolean;
      isRestoring: boolean;
    }>();
  });

  it('SessionError has a kind union and an optional status', () => {
    expectTypeOf<SessionError['kind']>().toEqualTypeOf<
      | 'network' | 'timeout' | 'http' | 'rejected' | 'invalid-response' | 'rate-limited' | 'logged-out' | 'aborted'
      | 'idle-timeout' | 'session-expired'
    >();
    expectTypeOf<SessionError['status']>().toEqualTypeOf<number | undefined>();
    expectTypeOf(isSessionError).guards.toEqualTypeOf<SessionError>();
  });

  it('storage, sync and lock helpers implement their interfaces', () => {
    expectTypeOf(memoryStorage()).toEqualTypeOf<TokenStorage>();
    expectTypeOf(webStorage).returns.toEqualTypeOf<TokenStorage>();
    expectTypeOf(broadcastSync).returns.toEqualTypeOf<SessionSync>();
    expectTypeOf(webLocks).returns.toEqualTypeOf<RefreshLock>();
    expectTypeOf<Parameters<SessionSync['subscribe']>[0]>().parameter(0).toEqualTypeOf<SyncMessage>();
    expectTypeOf(jsonRefresh).returns.toMatchTypeOf<(ctx: { refreshToken?: string; signal: AbortSignal }) => Promise<TokenSet>>();
    expectTypeOf(toMermaid).returns.toEqualTypeOf<string>();
  });

  it('adapters keep their client’s own types', () => {
    expectTypeOf(withSession).returns.toEqualTypeOf<KyInstance>();
    expectTypeOf(kyHooks).returns.toEqualTypeOf<Hooks>();
    // fetch's signature plus the per-request opt-out (`session: false`): it goes wherever fetch goes
    expectTypeOf(createAuthFetch).returns.toEqualTypeOf<AuthFetch>();
    expectTypeOf<AuthFetch>().toMatchTypeOf<typeof fetch>();
    expectTypeOf<AuthFetch>().parameter(1).toEqualTypeOf<AuthRequestInit | undefined>();
    expectTypeOf(attachSession).parameter(0).toEqualTypeOf<AxiosInstance>();
    expectTypeOf(attachSession).returns.toEqualTypeOf<() => void>();
  });

  it('React hooks return state and actions, never the raw token', () => {
    expectTypeOf(useSession).returns.toEqualTypeOf<UseSessionResult>();
    expectTypeOf<UseSessionResult>().not.toHaveProperty('accessToken');
    expectTypeOf<UseSessionResult['isAuthenticated']>().toEqualTypeOf<boolean>();
    expectTypeOf(useSessionSelector<number>).returns.toEqualTypeOf<number>();
  });
});
