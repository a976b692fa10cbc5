/** Small helpers shared by the whole library (one copy each, see STYLE.md "second wave"). */

/** The message of an Error, or the value as a string: for text that explains a failure. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where warnings go when the app passes no `onWarning`. Messages never hold a whole token. */
export function defaultWarn(message: string): void {
  console.warn(`[silent-session] ${message}`);
}
