import { configureStore } from '@reduxjs/toolkit';
import { describe, expect, it } from 'vitest';
import { connectSession, sessionSlice } from './reduxSession.js';
import { backend, openPage } from './stores.js';

// The Redux Toolkit recipe (docs/recipes/stores.md): a slice the session feeds, without a token.

const newStore = () => configureStore({ reducer: { session: sessionSlice.reducer } });

describe('Redux Toolkit: a slice that mirrors the session', () => {
  it('follows login, refresh and logout, holds no token, and agrees with the session after a reload', async () => {
    const env = await backend();
    const page = openPage(env);
    const store = newStore();
    connectSession(store, page.session);
    expect(store.getState().session).toMatchObject({ status: 'loggedOut', isAuthenticated: false });

    page.session.login(await env.server.login('ann'));
    expect(store.getState().session).toMatchObject({ status: 'authenticated', subject: 'ann', isAuthenticated: true });
    env.clock.advance(120_000);
    expect(await page.me()).toBe(200);
    expect(store.getState().session.expiresAt).toBe(page.session.getSnapshot().expiresAt);
    expect(JSON.stringify(store.getState())).not.toContain(page.session.getSnapshot().accessToken);
    page.close();

    const reloaded = openPage(env);
    const again = newStore();
    connectSession(again, reloaded.session);
    expect(again.getState().session).toMatchObject({ status: 'authenticated', subject: 'ann', expiresAt: reloaded.session.getSnapshot().expiresAt });
    env.server.resetCounters();
    expect(await reloaded.me()).toBe(200);
    expect(env.server.counters).toMatchObject({ apiOk: 1, apiNoToken: 0, refreshCalls: 0 });
  });

  it('a refused refresh dispatches endedBecause rejected at once; a plain logout null; the unsubscribe stops it', async () => {
    const env = await backend();
    const page = openPage(env);
    const store = newStore();
    const disconnect = connectSession(store, page.session);
    page.session.login(await env.server.login('ann'));
    env.server.revokeAll();
    env.clock.advance(120_000);
    expect(await page.me()).toBe('rejected');
    expect(store.getState().session).toMatchObject({ status: 'loggedOut', endedBecause: 'rejected' });
    page.session.login(await env.server.login('ann'));
    await page.session.logout();
    expect(store.getState().session).toMatchObject({ status: 'loggedOut', endedBecause: null });
    disconnect();
    page.session.login(await env.server.login('ann'));
    expect(store.getState().session.status).toBe('loggedOut');
  });
});
