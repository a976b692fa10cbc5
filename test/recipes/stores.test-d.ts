import { describe, expectTypeOf, it } from 'vitest';
import type { Session } from '../../src/index.js';
import type { AuthStore } from './zustandStore.js';
import { defineAccessStore } from './piniaStore.js';

// The store recipes are read-only by their types: nothing but the session writes to them.
type Claims = { sub: string; name: string };

describe('store recipes', () => {
  it('the Zustand store has no setState', () => {
    expectTypeOf<AuthStore<Claims>>().not.toHaveProperty('setState');
    expectTypeOf<AuthStore<Claims>>().toHaveProperty('subscribe');
  });

  it('the Pinia store’s fields are getters (readonly), its claims typed', () => {
    const useAccessStore = defineAccessStore({} as Session<Claims>);
    type Store = ReturnType<typeof useAccessStore>;
    expectTypeOf<Store['claims']>().toEqualTypeOf<Claims | null>();
    expectTypeOf<Store['accessToken']>().toEqualTypeOf<string | null>();
    // @ts-expect-error a getter of a setup store cannot be assigned
    ((store: Store) => (store.accessToken = 'forged'))({} as Store);
  });
});
