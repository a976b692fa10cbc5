/**
 * `createAuthFetch`: a function with fetch's own signature that attaches the session's token,
 * waits while a refresh runs and replays a request once after a 401. Needs nothing else.
 *
 * @module silent-session/fetch
 */
export * from '../../../src/fetch.js';
