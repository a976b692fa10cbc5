/**
 * `withSession` (wraps a ky instance) and `kyHooks` (the same as hooks to compose with your
 * own), for ky 1.7+ and ky 2. Install `ky`.
 *
 * @module silent-session/ky
 */
export * from '../../../src/ky.js';
