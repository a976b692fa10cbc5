import { expectTypeOf, it } from 'vitest';
import type { AdapterOptions } from '../../src/fetch.js';
import { createAuthFetch, type AuthFetchOptions } from '../../src/fetch.js';

it('createAuthFetch takes its documented options and nothing private', () => {
  expectTypeOf(createAuthFetch).parameter(1).toEqualTypeOf<AuthFetchOptions | undefined>();
  expectTypeOf<keyof AuthFetchOptions>().toEqualTypeOf<keyof AdapterOptions<Response> | 'fetch' | 'baseUrl'>();
});
