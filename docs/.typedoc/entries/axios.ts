/**
 * `attachSession`: puts the session under an axios instance's own adapter, below your
 * interceptors. Install `axios` (1.7+).
 *
 * @module silent-session/axios
 */
export * from '../../../src/axios.js';
