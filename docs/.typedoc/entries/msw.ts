/**
 * A fake auth backend for your own tests and stories, as MSW 2 request handlers:
 * `createAuthBackend`. Install `msw` and `jose` as dev dependencies.
 *
 * @module silent-session/msw
 */
export * from '../../../src/msw.js';
