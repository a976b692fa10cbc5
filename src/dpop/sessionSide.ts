import type { ProofTarget, SessionDpop } from '../machine/sessionDpop.js';
import type { DpopBinding } from './types.js';

/**
 * What a session's adapters ask of its binding, made here so that its bytes come with
 * `silent-session/dpop` only: a proof per send, and the reading of every answer (its
 * `DPoP-Nonce` remembered; a nonce challenge retried once, never a refresh), and the key's
 * deletion when the session ends (after its revocation; not if a login came meanwhile).
 */
export function sessionSide(binding: DpopBinding, retried: (origin: string) => void): SessionDpop {
  let logins = 0;
  return {
    binding,
    proof: (shot: ProofTarget, token: string) => binding.proof({ method: shot.method, url: shot.url, accessToken: token }),
    step(url, status, header, shot, canReplay) {
      if (!binding.observe({ url, status, header })) return 0;
      if (!canReplay || shot.nonceRetried) return 1;
      shot.nonceRetried = true;
      retried(originOf(url));
      return 2;
    },
    scheme(scheme, warn) {
      if (scheme && scheme !== 'DPoP') warn(`scheme "${scheme}" is not used: this session's tokens are DPoP-bound and go as DPoP; remove the option`);
    },
    loggedIn: () => void logins++,
    ended(elsewhere, settled, warn) {
      if (elsewhere) return Promise.resolve(binding.reload()); // the tab that ended it deletes the key
      const at = logins;
      return settled
        .then(() => (at === logins ? binding.clear() : undefined))
        .catch(() => warn("dpop: the ended session's key was not deleted; call clear() before the next login"));
    },
  };
}

/** The origin of an absolute URL; anything else as given (it only names where the retry went). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
