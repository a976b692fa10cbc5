/**
 * The server half: refresh-token families with rotation, reuse detection and a grace window, on
 * memory or Redis, with web-standard refresh and revoke handlers.
 *
 * @module silent-session/server
 */
export * from '../../../src/server.js';
