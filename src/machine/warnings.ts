import { scrubSecrets } from './redact.js';
import { defaultWarn, errorMessage } from './util.js';

/**
 * The session's one door for warnings (rule 11: without the tokens `held` returns) and its
 * guard around app callbacks: `safely` runs one, and a throw becomes a warning instead of
 * breaking the session. A throwing `onWarning` is ignored.
 *
 * @example
 * const { warn, safely } = createWarnings(options.onWarning, () => [accessToken])
 */
export function createWarnings(onWarning: ((message: string) => void) | undefined, held: () => string[]) {
  const report = onWarning ?? defaultWarn;
  const warn = (message: string) => safely('onWarning', () => report(scrubSecrets(message, held())), () => {});
  function safely(what: string, fn: () => void, onError = (error: unknown) => warn(`${what} threw; the session goes on (${errorMessage(error)})`)) {
    try {
      fn();
    } catch (error) {
      onError(error);
    }
  }
  return { warn, safely };
}
