import type { DpopPort } from './ports.js';
import { SessionError } from './errors.js';
import { cleanText } from './redact.js';
import type { Tokens } from './tokens.js';
import type { RevokeFunction } from './types.js';
import { errorMessage } from './util.js';
import { within } from './within.js';
import { msg } from './dev.js';

/** How long a tab that ended a session by a policy waits to hear whether another tab ended it first. */
export const END_AGREEMENT_MS = 100;

/**
 * Calls the app's `revoke` once per end of a session, after the local state is cleared,
 * bounded by `timeout`. A failure is a warning; it never rejects. `endedAt` (a policy's end,
 * which every tab applies at the same moment): first wait {@link END_AGREEMENT_MS} and leave
 * the call to a tab that ended the same login earlier (`endedElsewhere`).
 */
export function createRevoker(o: {
  revoke: RevokeFunction | undefined;
  timeout: number;
  warn: (message: string) => void;
  endedElsewhere: (loginId: string, at: number) => boolean;
  dpop?: DpopPort | undefined;
}) {
  let last: Promise<void> = Promise.resolve();

  async function run(tokens: Tokens, endedAt: number | null): Promise<void> {
    const revoke = o.revoke as RevokeFunction;
    if (endedAt !== null && tokens.login !== null) {
      await new Promise((resolve) => setTimeout(resolve, END_AGREEMENT_MS));
      if (o.endedElsewhere(tokens.login.id, endedAt)) return;
    }
    const controller = new AbortController();
    const call = Promise.resolve().then(() => revoke({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, signal: controller.signal, ...(o.dpop ? { dpop: o.dpop } : {}) }));
    try {
      await within(call, o.timeout, () => {
        const error = new SessionError('timeout', `revoke took longer than ${o.timeout} ms`);
        controller.abort(error);
        return error;
      });
    } catch (error) {
      o.warn(process.env.NODE_ENV !== 'production' ? `revoking the ended session failed; it is logged out here anyway (${cleanText(errorMessage(error), [tokens.accessToken, tokens.refreshToken])})` : msg('revoke-failed'));
    }
  }

  return {
    /** Starts the revocation of `tokens` (nothing without a `revoke` option). */
    start(tokens: Tokens | null, endedAt: number | null): void {
      last = o.revoke && tokens ? run(tokens, endedAt) : Promise.resolve();
    },
    /** The latest revocation, settled or not. */
    get last() {
      return last;
    },
  };
}
