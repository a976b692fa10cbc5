import { inspect } from 'node:util';

// What an error reporter, a logger or a curious developer can get out of a value the session
// hands over: every string reachable through it, by any route a program can take.

/** The parts of `secret` that must never show: its first 16 characters, as is and URL-encoded. */
export function needlesOf(secret: string): string[] {
  return [...new Set([secret.slice(0, 16), encodeURIComponent(secret).slice(0, 16)])];
}

export interface Walk {
  /** `path: needle` for every place a needle was found (the first 20). */
  found: string[];
  /** Values visited. */
  nodes: number;
  /** False when the walk stopped at its node limit before seeing everything. */
  complete: boolean;
}

/**
 * Walks every value reachable from `root`: own properties (string and symbol keys, enumerable
 * or not, data or getter), getters on the prototypes of class instances (called on the
 * instance), Map and Set entries, the bytes of typed arrays and buffers (read as Latin-1), and
 * the own properties of functions. Reports where any needle occurs in a string, a key or a
 * symbol's description.
 */
export function walkReachable(root: unknown, needles: ReadonlyArray<string>, maxNodes = 100_000): Walk {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const queue: Array<[unknown, string]> = [[root, '$']];
  const look = (text: string, path: string) => {
    for (const needle of needles) if (text.includes(needle) && found.length < 20) found.push(`${path}: ${needle}`);
  };
  let nodes = 0;
  while (queue.length > 0) {
    if (nodes >= maxNodes) return { found, nodes, complete: false };
    const [value, path] = queue.shift() as [unknown, string];
    nodes++;
    if (typeof value === 'string') {
      look(value, path);
      continue;
    }
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    const object = value as object;
    try {
      if (ArrayBuffer.isView(object)) look(Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('latin1'), `${path}<bytes>`);
      else if (object instanceof ArrayBuffer) look(Buffer.from(object).toString('latin1'), `${path}<bytes>`);
      if (object instanceof Map) for (const [k, v] of object) queue.push([k, `${path}<key>`], [v, `${path}<entry>`]);
      if (object instanceof Set) for (const v of object) queue.push([v, `${path}<member>`]);
    } catch {
      // a detached buffer, a revoked proxy: nothing to read
    }
    let keys: Array<string | symbol> = [];
    try {
      keys = Reflect.ownKeys(object);
    } catch {
      continue;
    }
    for (const key of keys) {
      const name = typeof key === 'symbol' ? `[${String(key.description)}]` : key;
      look(name, `${path}<key>`);
      try {
        const d = Reflect.getOwnPropertyDescriptor(object, key);
        if (d && 'value' in d) queue.push([d.value, `${path}.${name}`]);
        else if (d?.get) queue.push([d.get.call(object), `${path}.${name}`]);
      } catch {
        // a getter that refuses: nothing to read
      }
    }
    if (typeof object === 'function') continue;
    // getters a class defines on its prototype (ky's Request: `url`, `headers`; Response: `url`)
    for (let proto = Object.getPrototypeOf(object) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      let protoKeys: Array<string | symbol> = [];
      try {
        protoKeys = Reflect.ownKeys(proto);
      } catch {
        break;
      }
      for (const key of protoKeys) {
        try {
          const d = Reflect.getOwnPropertyDescriptor(proto, key);
          if (d?.get) queue.push([d.get.call(object), `${path}.${typeof key === 'symbol' ? `[${String(key.description)}]` : key}`]);
        } catch {
          // not a getter for this receiver
        }
      }
    }
  }
  return { found, nodes, complete: true };
}

/** JSON.stringify as an error reporter does it, tolerating cycles and BigInts. */
export function jsonOf(value: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    }) ?? ''
  );
}

/**
 * Where a needle shows in `value` by each route a reporter takes: util.inspect (everything,
 * hidden properties too), JSON.stringify, structuredClone (which must not throw) and a walk
 * of everything reachable. Empty when nothing shows; the walk must have seen everything.
 */
export function leaksIn(value: unknown, secrets: ReadonlyArray<string>): string[] {
  const needles = secrets.flatMap(needlesOf);
  const leaks: string[] = [];
  const text = inspect(value, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity });
  for (const needle of needles) if (text.includes(needle)) leaks.push(`util.inspect: ${needle}`);
  const json = jsonOf(value);
  for (const needle of needles) if (json.includes(needle)) leaks.push(`JSON.stringify: ${needle}`);
  let clone: unknown;
  try {
    clone = structuredClone(value);
  } catch (error) {
    leaks.push(`structuredClone threw ${(error as Error).name}`);
  }
  const walk = walkReachable(value, needles);
  leaks.push(...walk.found.map((f) => `walk ${f}`));
  if (!walk.complete) leaks.push(`walk: more than ${walk.nodes} values reachable`);
  if (clone !== undefined) leaks.push(...walkReachable(clone, needles).found.map((f) => `structuredClone ${f}`));
  return leaks;
}
