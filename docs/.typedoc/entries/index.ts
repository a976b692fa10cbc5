/**
 * The session and everything that is not tied to an HTTP client or a UI framework:
 * `createSession`, `SessionError`, storage (`memoryStorage`, `webStorage`), tabs
 * (`broadcastSync`, `webLocks`), refresh and revocation functions (`jsonRefresh`,
 * `oauthRefresh`, `jsonRevoke`, `oauthRevoke`), wake-up and activity sources, and the
 * statechart itself (`sessionMachine`, `toMermaid`, `machineGraph`). Needs nothing else:
 * xstate and jwt-decode come with it.
 *
 * @module silent-session
 */
export * from '../../../src/index.js';
