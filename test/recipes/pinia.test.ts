import { createPinia, defineStore, setActivePinia, type PiniaPlugin } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createApp } from 'vue';
import type { StorageLike } from '../../src/index.js';
import { defineAccessStore } from './piniaStore.js';
import { backend, keysHolding, openPage } from './stores.js';

// The Pinia recipe (docs/recipes/stores.md): the store mirrors the session read-only, and the
// tokens persist once, through the session's webStorage. A reload is a new Pinia and a new
// session over the same localStorage. Against the real auth server.

/** What pinia-plugin-persistedstate does: `$state` saved on every change, restored at creation. */
const persistState = (storage: StorageLike): PiniaPlugin => ({ store }) => {
  const key = `pinia.${store.$id}`;
  const saved = storage.getItem(key);
  if (saved !== null) store.$patch((state) => Object.assign(state, JSON.parse(saved)));
  store.$subscribe(() => storage.setItem(key, JSON.stringify(store.$state)), { flush: 'sync' });
};

/** A new Vue app's Pinia, with the persistence plugin an admin template ships (plugins run once the app has it). */
function newPinia(storage: StorageLike) {
  const pinia = createPinia().use(persistState(storage));
  createApp({}).use(pinia);
  setActivePinia(pinia);
}

/** A page of the app: its own Pinia and session. */
function loadApp(env: Awaited<ReturnType<typeof backend>>) {
  newPinia(env.web.storage);
  const page = openPage(env);
  const useAccessStore = defineAccessStore(page.session);
  return { ...page, store: useAccessStore() };
}

describe('Pinia: a store that mirrors the session', () => {
  it('shows a login, a refresh and a logout at once; its accessToken is the one requests carry', async () => {
    const env = await backend();
    const { store, session, me } = loadApp(env);
    expect(store).toMatchObject({ status: 'loggedOut', accessToken: null, isAuthenticated: false });

    store.login(await env.server.login('ann'));
    expect(store).toMatchObject({ status: 'authenticated', isAuthenticated: true, claims: { sub: 'ann' } });
    expect(store.accessToken).toBe(session.getSnapshot().accessToken);
    env.server.resetCounters();
    expect(await me()).toBe(200);
    expect(env.server.seen.map((r) => r.authorization)).toEqual([`Bearer ${store.accessToken}`]);

    const first = store.accessToken;
    env.clock.advance(120_000);
    expect(await me()).toBe(200); // the session refreshed under the request
    expect(store.accessToken).not.toBe(first);
    expect(store.accessToken).toBe(session.getSnapshot().accessToken);
    expect(env.server.counters.refreshCalls).toBe(1);

    void store.logout();
    expect(store).toMatchObject({ status: 'loggedOut', accessToken: null, endedBecause: null });
  });

  it('cannot be written: $patch changes nothing, and $state (what persistence plugins save) holds no token', async () => {
    const env = await backend();
    const { store, session } = loadApp(env);
    store.login(await env.server.login('ann'));
    expect(JSON.stringify(store.$state)).toBe('{}');
    expect(keysHolding(env.web, store.accessToken)).toEqual(['app.session']); // one copy: the session's
    store.$patch({ accessToken: 'forged' } as never);
    expect(store.accessToken).toBe(session.getSnapshot().accessToken);
  });

  it('after a reload (a new Pinia and session over the same storage) store and session agree, and the first request carries the token', async () => {
    const env = await backend();
    const first = loadApp(env);
    first.store.login(await env.server.login('ann'));
    const token = first.store.accessToken;
    first.close();

    const app = loadApp(env);
    expect(app.store).toMatchObject({ status: 'authenticated', isAuthenticated: true, accessToken: token });
    expect(app.store.accessToken).toBe(app.session.getSnapshot().accessToken);
    env.server.resetCounters();
    expect(await app.me()).toBe(200);
    expect(env.server.counters).toMatchObject({ apiOk: 1, apiNoToken: 0, refreshCalls: 0 });
  });

  it('a reload after the token expired: the store follows the restore’s refresh, agreeing with the session at every step', async () => {
    const env = await backend();
    const first = loadApp(env);
    first.store.login(await env.server.login('ann'));
    first.close();
    env.clock.advance(120_000);

    const app = loadApp(env);
    const disagreements: string[] = [];
    app.session.subscribe((s) => {
      if (app.store.accessToken !== s.accessToken || app.store.status !== s.status) disagreements.push(`${s.status}/${app.store.status}`);
    });
    expect(app.store.status).toBe('refreshing');
    expect(await app.me()).toBe(200);
    expect(app.store.status).toBe('authenticated');
    expect(disagreements).toEqual([]);
  });

  it('a refused refresh: the store says why at once, for the "login expired" modal; a plain logout says nothing', async () => {
    const env = await backend();
    const { store, me } = loadApp(env);
    store.login(await env.server.login('ann'));
    env.server.revokeAll();
    env.clock.advance(120_000);
    expect(await me()).toBe('rejected');
    expect(store).toMatchObject({ status: 'loggedOut', accessToken: null, endedBecause: 'rejected' });

    store.login(await env.server.login('ann'));
    expect(store.endedBecause).toBeNull();
    void store.logout();
    expect(store.endedBecause).toBeNull();
  });
});

describe('Pinia: what goes wrong with a persisted token in the store', () => {
  // The half-done port: the store keeps (and persists) its own copy, the session keeps the default
  // memoryStorage. Before a reload both agree; after it they do not.
  const useLegacyAccessStore = defineStore('access', {
    state: () => ({ accessToken: null as string | null }),
    actions: {
      setAccessToken(token: string | null) {
        this.accessToken = token;
      },
    },
  });

  it('after a reload the store still has a token, the session is logged out, and requests go out bare: 401 and no refresh', async () => {
    const env = await backend();
    newPinia(env.web.storage);
    const first = openPage(env, { persistence: 'memory' });
    const tokens = await env.server.login('ann');
    first.session.login(tokens);
    useLegacyAccessStore().setAccessToken(tokens.accessToken);
    first.close();

    newPinia(env.web.storage);
    const page = openPage(env, { persistence: 'memory' });
    const store = useLegacyAccessStore();
    expect(store.accessToken).toBe(tokens.accessToken); // the guard reading the store lets the user in...
    expect(page.session.getSnapshot().status).toBe('loggedOut'); // ...but the session has nothing
    env.server.resetCounters();
    expect(await page.me()).toBe(401);
    expect(env.server.counters).toMatchObject({ apiNoToken: 1, refreshCalls: 0 });
  });
});
