// Where the handlers say what went wrong on the server side. A condition that lasts (a store
// that is down, a signer that throws) is reported once until it clears, not once per request.

export type Warn = (message: string) => void;

const defaultWarn: Warn = (message) => console.warn(`[silent-session/server] ${message}`);

/** Each `key` warns once until `clear(key)`; an observer that throws is ignored. */
export function warnings(onWarning: Warn | undefined) {
  const report = onWarning ?? defaultWarn;
  const active = new Set<string>();
  return {
    once(key: string, message: string) {
      if (active.has(key)) return;
      active.add(key);
      try {
        report(message);
      } catch {
        // a logger's failure is not the request's
      }
    },
    clear(key: string) {
      active.delete(key);
    },
  };
}

/** `text` with every one of `secrets` (non-empty) cut out, for messages that quote an app's error. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[token]');
  return out.slice(0, 300);
}
