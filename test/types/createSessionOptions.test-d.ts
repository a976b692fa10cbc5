import { describe, expectTypeOf, it } from 'vitest';
import { createSession, jsonRefresh, type CreateSessionOptions, type RefreshLock, type SessionOptions, type SessionSync } from '../../src/index.js';

// Issue 20 item 10: `sync` and `lock` take `false` (no default wiring) besides their objects.
describe('CreateSessionOptions', () => {
  it('takes false for sync and lock, and every SessionOptions as it is', () => {
    const refresh = jsonRefresh({ url: '/auth/refresh' });
    createSession({ refresh, sync: false, lock: false });
    expectTypeOf<CreateSessionOptions['sync']>().toEqualTypeOf<SessionSync | false | undefined>();
    expectTypeOf<CreateSessionOptions['lock']>().toEqualTypeOf<RefreshLock | false | undefined>();
    expectTypeOf<SessionOptions>().toMatchTypeOf<CreateSessionOptions>();
    expectTypeOf(createSession).parameter(0).toEqualTypeOf<CreateSessionOptions>();
    // @ts-expect-error -- true is not an option: pass a SessionSync, or false for none
    createSession({ refresh, sync: true });
  });
});
