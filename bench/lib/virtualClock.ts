// An injected clock for a section that measures minutes of an app's life in seconds: replaces
// this process's setTimeout/setInterval/Date.now (the library's timers, the app's polling, the
// auth server's `now`) with a clock that moves only when `advance` is called. Node's own I/O
// (sockets, fetch, BroadcastChannel) keeps real time: between two timers, `advance` gives it
// real turns of the event loop. Only for sections running in a process of their own.

type Handle = { id: number; unref(): Handle; ref(): Handle; hasRef(): boolean; refresh(): Handle; [Symbol.toPrimitive](): number };
interface Timer {
  at: number;
  seq: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
  every: number | null;
}

export interface VirtualClock {
  now(): number;
  /** Moves the clock `ms` forward, running every timer due on the way, in order. */
  advance(ms: number): Promise<void>;
  /** One real turn of the event loop (I/O callbacks run). */
  turn(): Promise<void>;
  uninstall(): void;
}

export function installVirtualClock(start: number): VirtualClock {
  const real = { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, dateNow: Date.now };
  const g = globalThis as unknown as Record<string, unknown>;
  let now = start;
  let seq = 0;
  const timers = new Map<number, Timer>();
  const add = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean) => {
    const id = ++seq;
    const delay = Math.max(0, Number(ms) || 0);
    const timer: Timer = { at: now + delay, seq: id, fn: fn as Timer['fn'], args, every: repeat ? Math.max(1, delay) : null };
    timers.set(id, timer);
    // what Node's Timeout offers that callers use (undici's fetch refreshes its timers)
    const h: Handle = {
      id,
      unref: () => h,
      ref: () => h,
      hasRef: () => true,
      refresh: () => {
        timer.at = now + delay;
        timers.set(id, timer);
        return h;
      },
      [Symbol.toPrimitive]: () => id,
    };
    return h;
  };
  const clear = (h: unknown) => {
    if (h === undefined || h === null) return;
    timers.delete(typeof h === 'object' ? (h as Handle).id : Number(h));
  };
  g.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, false);
  g.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, true);
  g.clearTimeout = clear;
  g.clearInterval = clear;
  Date.now = () => now;
  const turn = () => new Promise<void>((resolve) => real.setImmediate(resolve));

  return {
    now: () => now,
    turn,
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: Timer | undefined;
        for (const t of timers.values()) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
        if (!next) break;
        now = Math.max(now, next.at);
        if (next.every === null) timers.delete(next.seq);
        else next.at += next.every;
        next.fn(...next.args);
        await turn();
      }
      now = target;
    },
    uninstall() {
      Object.assign(g, { setTimeout: real.setTimeout, clearTimeout: real.clearTimeout, setInterval: real.setInterval, clearInterval: real.clearInterval });
      Date.now = real.dateNow;
    },
  };
}
