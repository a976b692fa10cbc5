export { dpop } from './dpop/binding.js';
export { memoryKeyStore } from './dpop/keyStore.js';
export { indexedDbKeyStore } from './dpop/indexedDbKeyStore.js';
export { authorizationNonceChallenge, resourceNonceChallenge } from './dpop/challenge.js';

export type { DpopBinding, DpopOptions, DpopProofRequest, DpopResponse, DpopSummary } from './dpop/types.js';
export type { DpopKeyStore } from './dpop/keyStore.js';
export type { IndexedDbKeyStoreOptions } from './dpop/indexedDbKeyStore.js';
export type { DpopCryptoKey, DpopKeyPair, DpopPublicJwk } from './dpop/key.js';
export type { HeaderReader } from './dpop/challenge.js';
