/**
 * React hooks: `SessionProvider`, `useSession`, `useSessionSelector`, `useSessionEnding`.
 * Install `react` (18 or 19).
 *
 * @module silent-session/react
 */
export * from '../../../src/react.js';
