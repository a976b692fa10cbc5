import type { SessionDpop } from '../machine/sessionDpop.js';
import type { ClientGlue, Send, Shot } from './authorize.js';

/** An absolute URL starts with a scheme; anything else a response reports is relative. */
export const HAS_SCHEME = /^[a-z][a-z\d+.-]*:/i;

/**
 * The DPoP step of the authorizer's `settle`: every answer's `DPoP-Nonce` is remembered for the
 * origin that answered. A nonce challenge (RFC 9449 §8, §9) is not a refused token and never
 * starts a refresh: one retry (`again`: a fresh proof carrying the nonce, then settled as any
 * answer) if the request can be sent again; a second challenge, or one to a request that cannot
 * be replayed, is the caller's answer. The step returns undefined when the answer is no challenge.
 */
export function dpopNonceStep<R>(
  dpop: SessionDpop | undefined,
  glue: Pick<ClientGlue<R, unknown>, 'finalUrl' | 'status' | 'header'>,
  again: (result: R, token: string, replay: Send<R>, signal: AbortSignal | null | undefined, shot: Shot) => Promise<R>,
) {
  return (result: R, token: string, replay: Send<R> | null, signal: AbortSignal | null | undefined, shot: Shot, by: boolean | null): R | Promise<R> | undefined => {
    // only an allowed origin's word counts (after a redirect elsewhere, nothing is learned)
    if (!dpop || by === false) return undefined;
    const finalUrl = glue.finalUrl(result);
    const url = finalUrl !== null && HAS_SCHEME.test(finalUrl) ? finalUrl : shot.url;
    if (!dpop.binding.observe({ url, status: glue.status(result), header: (name) => glue.header(result, name) })) return undefined;
    if (replay === null || shot.nonceRetried) return result;
    shot.nonceRetried = true;
    dpop.retried(new URL(url).origin);
    return again(result, token, replay, signal, shot);
  };
}
