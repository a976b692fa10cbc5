import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';
import { sanitizeCause } from './cause.js';
import { redact, scrubSecrets, type Secrets } from './redact.js';
import { errorMessage } from './util.js';
import { msg } from './dev.js';

// What an `inspect` observer receives: copies of xstate's inspection events with no whole
// token in them (rule 11), and read-only stand-ins for the actor refs.

const SECRET_KEY = /token$|^spent$/i;
// Shorter strings are not remembered as secrets: they would match ordinary words.
const MIN_SECRET = 8;
// Deeper than this an object is replaced, not passed on unread (fail closed).
const MAX_DEPTH = 12;

/** What one redacting observer remembers: tokens seen so far and the stand-ins it handed out. */
interface Scope {
  /** The newest 32 token values seen under token-ish keys, plus the caller's `secrets()`. */
  known: Set<string>;
  more: () => Secrets;
  refs: WeakMap<object, AnyActorRef>;
}

const newScope = (more: () => Secrets): Scope => ({ known: new Set(), more, refs: new WeakMap() });

function redactIn<T>(scope: Scope, value: T, key = ''): T {
  const { known } = scope;
  const add = (s: unknown) => {
    if (typeof s !== 'string' || s.length < MIN_SECRET) return;
    known.delete(s);
    known.add(s);
  };
  for (const s of scope.more()) add(s);
  // first learn the tokens under token-ish keys, so they are found anywhere else in the copy
  walk(value, scope, new Map(), MAX_DEPTH, key, add);
  for (const s of known) if (known.size > 32) known.delete(s);
  return walk(value, scope, new Map(), MAX_DEPTH, key) as T;
}

const isRef = (v: object): v is AnyActorRef =>
  typeof (v as { getSnapshot?: unknown }).getSnapshot === 'function' && typeof (v as { sessionId?: unknown }).sessionId === 'string';

const isPlain = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The redacted copy of `value`; with `learn`, also reports each string under a token-ish key. */
function walk(value: unknown, scope: Scope, seen: Map<object, unknown>, depth: number, key: string, learn?: (s: string) => void): unknown {
  if (typeof value === 'string') {
    if (!SECRET_KEY.test(key)) return learn ? value : scrubSecrets(value, scope.known);
    learn?.(value);
    return redact(value);
  }
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (isRef(value)) return learn ? value : readOnlyRef(value, scope);
  // Errors keep an allow-list of fields, whatever class they are (isSessionError still knows a
  // SessionError): nothing an HTTP client hung on them is passed on.
  if (value instanceof Error) {
    if (learn) return value;
    const copy = sanitizeCause(value, scope.known);
    seen.set(value, copy);
    return copy;
  }
  // Other class instances (state nodes, the machine) are xstate's own, passed on as they are.
  if (!Array.isArray(value) && !isPlain(value)) return value;
  if (depth === 0) return '[redacted: too deep]';
  const out: object = Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value));
  seen.set(value, out);
  for (const name of Object.keys(value)) {
    const d = Object.getOwnPropertyDescriptor(value, name) ?? { value: (value as Record<string, unknown>)[name], writable: true, configurable: true };
    if ('value' in d) Object.defineProperty(out, name, { ...d, value: walk(d.value, scope, seen, depth - 1, name, learn) });
  }
  return out;
}

/**
 * A read-only stand-in for an actor ref, one per ref and scope: what an inspector reads (`id`,
 * `sessionId`, `_parent`, `system.get()`, `logic.config`, `getSnapshot()`,
 * `getPersistedSnapshot()`), every snapshot redacted when it is read, and `send` passed on.
 * Nothing else of the live actor is reachable through it.
 */
function readOnlyRef(ref: AnyActorRef, scope: Scope): AnyActorRef {
  let standIn = scope.refs.get(ref);
  if (standIn) return standIn;
  const read = (snapshot: unknown) => redactIn(scope, snapshot);
  const wrap = (other: AnyActorRef | undefined) => (other ? readOnlyRef(other, scope) : undefined);
  standIn = {
    id: ref.id,
    sessionId: ref.sessionId,
    logic: { config: (ref as { logic?: { config?: unknown } }).logic?.config },
    get _parent() {
      return wrap(ref._parent);
    },
    get system() {
      const { system } = ref;
      return { get: (id: string) => wrap(system.get(id)), getSnapshot: () => read(system.getSnapshot()) };
    },
    send: (event: Parameters<AnyActorRef['send']>[0]) => ref.send(event),
    getSnapshot: () => read(ref.getSnapshot()),
    getPersistedSnapshot: () => read(ref.getPersistedSnapshot()),
    toJSON: () => ({ xstate$$type: 1, id: ref.id }),
  } as unknown as AnyActorRef;
  scope.refs.set(ref, standIn);
  return standIn;
}

type Inspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * Wraps an inspection observer so that nothing it can reach holds a whole token. Events,
 * snapshots and action params are redacted copies: by key (`…Token`, `spent`), and by value for
 * every token seen so far under such a key and every string `secrets()` returns (e.g. the
 * tokens the session holds). Every actor ref in them (`actorRef`, `sourceRef`,
 * `snapshot.children`, `_parent`, `system.get()`) is a read-only stand-in whose `getSnapshot()`
 * is redacted too, whenever it is called. An observer that throws is ignored after one warning.
 *
 * @example
 * createActor(machine, { inspect: redactInspection(inspector.inspect, console.warn, () => [accessToken]) })
 */
export function redactInspection(
  inspect: Inspector,
  warn: (message: string) => void = () => {},
  secrets: () => Secrets = () => [],
): (event: InspectionEvent) => void {
  const next = typeof inspect === 'function' ? inspect : (event: InspectionEvent) => inspect.next?.(event);
  const scope = newScope(secrets);
  let warned = false;
  return (event) => {
    const redacted = redactIn(scope, { ...event });
    try {
      next(redacted);
    } catch (error) {
      // xstate would stop the session's actor: a debugging aid must never do that
      if (!warned) warn(process.env.NODE_ENV !== 'production' ? `the inspect callback threw; its errors are ignored (${scrubSecrets(errorMessage(error), scope.known)})` : msg('inspect-threw'));
      warned = true;
    }
  };
}
