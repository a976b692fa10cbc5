import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isSessionError } from 'silent-session';
import { inMemoryWebStorage } from '../../test/helpers/integration.js';
import { authServer, jumpClock } from '../../test/helpers/server.js';
import { defineAccessStore } from './after/accessStore.js';
import { createRequestClient as createAfterClient } from './after/request.js';
import { createAppSession } from './after/session.js';
import { startVbenBackend } from './backend.js';
import { createRequestClient as createBeforeClient } from './before/request.js';
import type { AppContext } from './shared/app.js';
import type { RequestClient } from './shared/requestClient.js';

// The worked port (docs/guides/replacing-interceptors.md): the same vben-style request client
// BEFORE (its hand-written refresh) and AFTER (silent-session/axios), against the real auth
// server behind a vben-style envelope backend. What the server counted and what the user saw
// (toasts, "sign in again") are printed and asserted; the guide quotes them.

export const N = 100;

type Variant = 'before' | 'after';

/** One app, one variant, logged in as ann; counters at zero. */
async function loggedInApp(variant: Variant) {
  const clock = jumpClock();
  const auth = await authServer({ accessTtl: 60, refreshTtl: 3_600, now: clock.now });
  const backend = await startVbenBackend(auth.url);
  onTestFinished(() => backend.close());
  const toasts: string[] = [];
  let reAuthentications = 0;
  const app: AppContext = { toastError: (text) => toasts.push(text), reAuthenticate: () => void reAuthentications++ };
  setActivePinia(createPinia());

  let client: RequestClient;
  let login: (params: { username: string; password: string }) => Promise<void>;
  let token: () => string | null;
  if (variant === 'before') {
    ({ client, login } = createBeforeClient(backend.url, app));
    const { useAccessStore } = await import('./before/accessStore.js');
    token = () => useAccessStore().accessToken;
  } else {
    const session = createAppSession(backend.url, inMemoryWebStorage().storage, app, { now: clock.now, wake: false, activity: false, onWarning: () => {} });
    onTestFinished(() => session.stop());
    ({ client, login } = createAfterClient(backend.url, app, session));
    const store = defineAccessStore(session)();
    token = () => store.accessToken;
  }
  await login({ username: 'ann', password: '123456' });
  expect(token()).toEqual(expect.any(String));
  auth.resetCounters();

  /** N requests at once; what each gave: 'ok', or the kind / status it failed with. */
  async function storm() {
    const outcomes = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        client.get<{ ok: boolean }>(`/api/item?i=${i}`).then(
          (data) => (data.ok ? 'ok' : 'not ok'),
          (error: unknown) => (isSessionError(error) ? error.kind : String((error as { response?: { status?: number } }).response?.status)),
        ),
      ),
    );
    const counted = new Map<string, number>();
    for (const o of outcomes) counted.set(o, (counted.get(o) ?? 0) + 1);
    return {
      outcomes: Object.fromEntries(counted),
      refreshes: auth.counters.refreshCalls,
      expiredTokenRequests: auth.counters.apiExpired,
      apiRequests: auth.counters.apiCalls,
      signInAgain: reAuthentications,
      toasts: toasts.length,
    };
  }
  return { clock, auth, storm, toasts };
}

/** Measured numbers, by scenario and variant, for the summary printed at the end. */
const measured: Record<string, Partial<Record<Variant, Awaited<ReturnType<Awaited<ReturnType<typeof loggedInApp>>['storm']>>>>> = {};

describe(`the vben-style client, before and after the port: ${N} concurrent requests`, () => {
  it.each<Variant>(['before', 'after'])('across an expired access token (%s)', async (variant) => {
    const { clock, storm } = await loggedInApp(variant);
    clock.advance(120_000); // the access token expired while the tab was in the background
    const result = await storm();
    (measured.expiry ??= {})[variant] = result;
    console.info(`expiry storm, ${variant}:`, JSON.stringify(result));
    expect(result.outcomes).toEqual({ ok: N });
    if (variant === 'after') {
      expect(result).toMatchObject({ refreshes: 1, expiredTokenRequests: 0, apiRequests: N, signInAgain: 0, toasts: 0 });
    } else {
      // every request went out with the dead token; how many refreshes depends on timing
      expect(result.expiredTokenRequests).toBe(N);
      expect(result.refreshes).toBeGreaterThanOrEqual(1);
      expect(result.apiRequests).toBeGreaterThanOrEqual(2 * N); // each one sent again after a refresh
    }
  });

  it.each<Variant>(['before', 'after'])('when the server refuses the refresh token (%s)', async (variant) => {
    const { clock, auth, storm, toasts } = await loggedInApp(variant);
    auth.revokeAll(); // signed out elsewhere, or the refresh token was revoked
    clock.advance(120_000);
    const result = await storm();
    (measured.revoked ??= {})[variant] = result;
    console.info(`revoked refresh token, ${variant}:`, JSON.stringify(result));
    if (variant === 'after') {
      // one refresh, refused; every request rejects with the SessionError; one "sign in again"; no toast
      expect(result).toMatchObject({ outcomes: { rejected: N }, refreshes: 1, apiRequests: 0, signInAgain: 1, toasts: 0 });
    } else {
      // every request fails, each with at least one toast, and the user is sent to sign in more than once
      expect(result.outcomes.ok).toBeUndefined();
      expect(result.toasts).toBeGreaterThanOrEqual(N);
      expect(result.signInAgain).toBeGreaterThan(1);
      expect(toasts).toContain('Forbidden Exception');
    }
  }, 120_000); // the hand-written client's cascade sends thousands of requests

  it('prints the comparison', () => {
    console.info(`\n${N} concurrent requests | before | after`);
    for (const [scenario, byVariant] of Object.entries(measured)) {
      for (const key of ['refreshes', 'expiredTokenRequests', 'apiRequests', 'signInAgain', 'toasts'] as const) {
        console.info(`${scenario} ${key} | ${byVariant.before?.[key]} | ${byVariant.after?.[key]}`);
      }
    }
    expect(Object.keys(measured).sort()).toEqual(['expiry', 'revoked']);
  });
});
