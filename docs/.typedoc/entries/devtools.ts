/**
 * The debug view: `SessionStatechart` (the live diagram) and `SessionPanel`, apart from
 * the hooks so an app ships them only where it imports them. Install `react`.
 *
 * @module silent-session/devtools
 */
export * from '../../../src/devtools.js';
