export { provideSession, sessionPlugin, LOGGED_OUT_SNAPSHOT } from './vue/provideSession.js';
export { useSession } from './vue/useSession.js';
export { useSessionSelector } from './vue/useSessionSelector.js';
export type { ProvideSessionOptions } from './vue/provideSession.js';
export type { UseSessionReturn, VisibleField } from './vue/useSession.js';
