import type { InspectionEvent, Observer } from 'xstate';
import { redact } from './tokens.js';

const SECRET_KEY = /token$|^spent$/i;

/**
 * Copies plain objects and arrays, replacing strings under token-ish keys (`accessToken`,
 * `refreshToken`, `token`, …) with their last four characters. Class instances (actors,
 * errors, state nodes) are kept as they are.
 */
export function redactDeep<T>(value: T, depth = 6): T {
  if (depth === 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth - 1)) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = typeof v === 'string' && SECRET_KEY.test(key) ? redact(v) : redactDeep(v, depth - 1);
  }
  return out as T;
}

type Inspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** Wraps an inspection observer so that no token reaches it whole. */
export function redactInspection(inspect: Inspector, warn: (message: string) => void = () => {}): (event: InspectionEvent) => void {
  const next = typeof inspect === 'function' ? inspect : (event: InspectionEvent) => inspect.next?.(event);
  let warned = false;
  return (event) => {
    const copy: Record<string, unknown> = { ...event };
    if ('event' in event) copy.event = redactDeep(event.event);
    if ('snapshot' in event) copy.snapshot = redactDeep(event.snapshot);
    if ('action' in event) copy.action = redactDeep(event.action);
    try {
      next(copy as unknown as InspectionEvent);
    } catch (error) {
      // xstate would stop the session's actor: a debugging aid must never do that
      if (!warned) warn(`the inspect callback threw; its errors are ignored (${error instanceof Error ? error.message : String(error)})`);
      warned = true;
    }
  };
}
