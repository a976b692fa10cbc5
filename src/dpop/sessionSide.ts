import type { ProofTarget, SessionDpop } from '../machine/sessionDpop.js';
import type { DpopBinding } from './types.js';

/**
 * What a session's adapters ask of its binding, made here so that its bytes come with
 * `silent-session/dpop` only: a proof per send, and the reading of every answer (its
 * `DPoP-Nonce` remembered; a nonce challenge retried once, never a refresh).
 */
export function sessionSide(binding: DpopBinding, retried: (origin: string) => void): SessionDpop {
  return {
    binding,
    proof: (shot: ProofTarget, token: string) => binding.proof({ method: shot.method, url: shot.url, accessToken: token }),
    step(url, status, header, shot, canReplay) {
      if (!binding.observe({ url, status, header })) return 0;
      if (!canReplay || shot.nonceRetried) return 1;
      shot.nonceRetried = true;
      retried(new URL(url).origin);
      return 2;
    },
  };
}
