export { SessionStatechart } from './devtools/SessionStatechart.js';
export { SessionPanel } from './devtools/SessionPanel.js';

export type { SessionStatechartProps } from './devtools/SessionStatechart.js';
