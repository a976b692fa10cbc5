/**
 * Vue 3 composables: `provideSession` / `sessionPlugin`, `useSession`,
 * `useSessionSelector`. Install `vue` (3.3+).
 *
 * @module silent-session/vue
 */
export * from '../../../src/vue.js';
