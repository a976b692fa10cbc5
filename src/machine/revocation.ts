import { SessionError } from './errors.js';
import { cleanText } from './redact.js';
import type { Tokens } from './tokens.js';
import type { RevokeFunction } from './types.js';
import { errorMessage } from './util.js';

/** How long a tab that ended a session on its own waits to hear whether another tab did first. */
export const SETTLE_MS = 100;

/**
 * Calls the app's `revoke` once per end of a session, after the local state is cleared,
 * bounded by `timeout`. A failure is a warning; it never rejects. `settle`: the end came
 * from a policy every tab applies at the same moment, so first wait {@link SETTLE_MS} and
 * leave the call to a tab that ended the same login earlier (`endedElsewhere`).
 */
export function createRevoker(o: {
  revoke: RevokeFunction | undefined;
  timeout: number;
  warn: (message: string) => void;
  endedElsewhere: (loginId: string, at: number) => boolean;
}) {
  let last: Promise<void> = Promise.resolve();

  async function run(tokens: Tokens, settleFrom: number | null): Promise<void> {
    const revoke = o.revoke as RevokeFunction;
    if (settleFrom !== null && tokens.login !== null) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      if (o.endedElsewhere(tokens.login.id, settleFrom)) return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new SessionError('timeout', `revoke took longer than ${o.timeout} ms`)), o.timeout);
    try {
      await new Promise<void>((resolve, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        Promise.resolve()
          .then(() => revoke({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, signal: controller.signal }))
          .then(() => resolve(), reject);
      });
    } catch (error) {
      o.warn(`revoking the ended session failed; it is logged out here anyway (${cleanText(errorMessage(error), [tokens.accessToken, tokens.refreshToken])})`);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /** Starts the revocation of `tokens` (nothing without a `revoke` option). */
    start(tokens: Tokens | null, settleFrom: number | null): void {
      last = o.revoke && tokens ? run(tokens, settleFrom) : Promise.resolve();
    },
    /** The latest revocation, settled or not. */
    get last() {
      return last;
    },
  };
}
