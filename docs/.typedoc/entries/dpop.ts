/**
 * Sender-constrained tokens (DPoP, RFC 9449): a non-extractable ES256 key kept per session,
 * proofs for each request, nonces per origin. Needs nothing beyond the package.
 *
 * @module silent-session/dpop
 */
export * from '../../../src/dpop.js';
