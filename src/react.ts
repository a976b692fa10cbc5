export { SessionProvider, LOGGED_OUT_SNAPSHOT } from './react/SessionProvider.js';
export { useSession } from './react/useSession.js';
export { useSessionSelector } from './react/useSessionSelector.js';
export { useSessionEnding } from './react/useSessionEnding.js';

export type { SessionProviderProps } from './react/SessionProvider.js';
export type { UseSessionResult } from './react/useSession.js';
export type { SessionEndingState } from './react/useSessionEnding.js';
