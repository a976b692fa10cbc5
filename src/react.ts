export { SessionProvider, LOGGED_OUT_SNAPSHOT } from './react/SessionProvider.js';
export { useSession } from './react/useSession.js';
export { useSessionSelector } from './react/useSessionSelector.js';
export { useSessionEnding } from './react/useSessionEnding.js';
export { SessionStatechart } from './react/SessionStatechart.js';
export { SessionPanel } from './react/SessionPanel.js';
export { chartLayout } from './react/layout.js';

export type { SessionProviderProps } from './react/SessionProvider.js';
export type { UseSessionResult } from './react/useSession.js';
export type { SessionEndingState } from './react/useSessionEnding.js';
export type { SessionStatechartProps } from './react/SessionStatechart.js';
export type { ChartLayout, Box, Arrow } from './react/layout.js';
