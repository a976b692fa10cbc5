import type { SessionEvent } from './machineTypes.js';
import type { ActivitySource } from './types.js';

/** Pointer moves come by the hundred: one activity a second is plenty for an idle timer. */
const NOTICE_EVERY_MS = 1_000;

/**
 * Feeds user activity to the chart (ACTIVITY) and tells the other tabs what the chart accepted.
 * `touch()` is the app's explicit word ("Stay signed in"); the activity `source`, attached only
 * with an idle timeout, is ambient and throttled.
 *
 * @example
 * const feed = feedActivity({ source: options.activity, now, send, lastActivity, publish: tabs.publishActivity })
 */
export function feedActivity(o: {
  source: ActivitySource | false | undefined;
  now: () => number;
  send: (event: SessionEvent) => void;
  /** The last activity the chart has accepted (context.lastActivity). */
  lastActivity: () => number;
  publish: (at: number) => void;
}) {
  const activity = (ambient: boolean) => {
    const before = o.lastActivity();
    o.send({ type: 'ACTIVITY', at: o.now(), ambient });
    const after = o.lastActivity();
    if (after !== before) o.publish(after);
  };
  let noticed = -Infinity;
  const notice = () => {
    if (o.now() - noticed < NOTICE_EVERY_MS) return;
    noticed = o.now();
    activity(true);
  };
  const stop = o.source ? o.source(notice) : undefined;
  return { touch: () => activity(false), stop: () => stop?.() };
}
