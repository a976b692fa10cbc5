import { describe, expect, it } from 'vitest';
import { createAuthStore } from './zustandStore.js';
import { backend, openPage } from './stores.js';

// The Zustand recipe (docs/recipes/stores.md): a store fed by the session and nothing else.

describe('Zustand: a store that mirrors the session', () => {
  it('follows login, refresh and logout; after a reload store and session agree and the first request carries the token', async () => {
    const env = await backend();
    const page = openPage(env);
    const auth = createAuthStore(page.session);
    const seen: string[] = [];
    auth.subscribe((s) => {
      if (seen.at(-1) !== s.status) seen.push(s.status);
    });

    auth.getState().login(await env.server.login('ann'));
    expect(auth.getState()).toMatchObject({ status: 'authenticated', isAuthenticated: true, claims: { sub: 'ann' } });
    env.clock.advance(120_000);
    expect(await page.me()).toBe(200);
    expect(auth.getState().accessToken).toBe(page.session.getSnapshot().accessToken);
    expect(seen).toEqual(['authenticated', 'refreshing', 'authenticated']);
    page.close();

    const reloaded = openPage(env);
    const again = createAuthStore(reloaded.session);
    expect(again.getState()).toMatchObject({ status: 'authenticated', accessToken: reloaded.session.getSnapshot().accessToken });
    env.server.resetCounters();
    expect(await reloaded.me()).toBe(200);
    expect(env.server.counters).toMatchObject({ apiOk: 1, apiNoToken: 0, refreshCalls: 0 });
  });

  it('a refused refresh shows as endedBecause rejected; a plain logout as null', async () => {
    const env = await backend();
    const page = openPage(env);
    const auth = createAuthStore(page.session);
    auth.getState().login(await env.server.login('ann'));
    env.server.revokeAll();
    env.clock.advance(120_000);
    expect(await page.me()).toBe('rejected');
    expect(auth.getState()).toMatchObject({ status: 'loggedOut', endedBecause: 'rejected', accessToken: null });
    auth.getState().login(await env.server.login('ann'));
    await auth.getState().logout();
    expect(auth.getState()).toMatchObject({ status: 'loggedOut', endedBecause: null });
  });
});
