import { useCallback, useMemo, useRef, useSyncExternalStore } from 'react';
import type { Session } from '../machine/session.js';
import type { SessionEnding, SessionSnapshot } from '../machine/types.js';
import { useSessionContext } from './SessionProvider.js';

interface EndingBase {
  /** When the session ends, epoch ms on the session's clock. */
  at: number;
  /** Whole seconds until then, rounded up (0 once the moment has come); ticks once a second. */
  secondsLeft: number;
  /** Signs out now, everywhere; resolves once `revoke` settled (never rejects). */
  logout(): Promise<void>;
}

/**
 * What `useSessionEnding()` returns while a lifetime policy is about to end the session.
 * Only an idle end can be put off, so `stayActive` exists only when `reason` is `'idle'`:
 * a "Stay signed in" button for a maximum age or an expiring refresh token would do nothing,
 * and the type makes the UI check (`ending.stayActive && <button …>`).
 *
 * @example
 * const label = (e: SessionEndingState) =>
 *   e.stayActive ? `Inactive: signed out in ${e.secondsLeft} s` : `Session ends in ${e.secondsLeft} s`
 */
export type SessionEndingState =
  | (EndingBase & {
      reason: 'idle';
      /** Counts as user activity (`session.touch()`): the idle timer starts again, in every tab. */
      stayActive(): void;
    })
  | (EndingBase & {
      /** The session reaches `maxSessionAge`, or its refresh token expires: nothing can extend it. */
      reason: 'max-age' | 'refresh-expiry';
      stayActive?: undefined;
    });

// The session's own clock (its `now` option), so a countdown agrees with the machine's timers.
const clockOf = (session: Session): (() => number) => session.actor.getSnapshot().context.config.now;

const secondsUntil = (at: number, now: number) => Math.max(0, Math.ceil((at - now) / 1000));

/**
 * For a "You'll be signed out in N s" dialog: `null` while no end is near, else why the session
 * ends, the seconds left (ticking once a second, on the session's own clock), `stayActive` for
 * an idle end, and `logout`. Nothing ticks and nothing re-renders while no end is near; the
 * warning appears `endingWarning` ms before the end (see `createSession`).
 *
 * @example
 * function SignOutWarning() {
 *   const ending = useSessionEnding()
 *   if (ending === null) return null
 *   return (
 *     <dialog open>
 *       You'll be signed out in {ending.secondsLeft} s
 *       {ending.stayActive && <button onClick={ending.stayActive}>Stay signed in</button>}
 *       <button onClick={() => void ending.logout()}>Sign out</button>
 *     </dialog>
 *   )
 * }
 */
export function useSessionEnding(): SessionEndingState | null {
  const { session, serverSnapshot } = useSessionContext('useSessionEnding');
  const actions = useMemo(() => ({ stayActive: () => session.touch(), logout: () => session.logout() }), [session]);
  // The last answer, so that the same ending and second keep the same object (no re-render).
  const memo = useRef<SessionEndingState | null>(null);

  const read = (snapshot: SessionSnapshot, now: number): SessionEndingState | null => {
    const ending: SessionEnding | null = snapshot.ending;
    if (ending === null) return (memo.current = null);
    const secondsLeft = secondsUntil(ending.at, now);
    const last = memo.current;
    if (last !== null && last.reason === ending.reason && last.at === ending.at && last.secondsLeft === secondsLeft && last.logout === actions.logout) return last;
    const base = { at: ending.at, secondsLeft, logout: actions.logout };
    return (memo.current = ending.reason === 'idle' ? { ...base, reason: 'idle', stayActive: actions.stayActive } : { ...base, reason: ending.reason });
  };

  const subscribe = useCallback(
    (onChange: () => void) => {
      const now = clockOf(session);
      let timer: ReturnType<typeof setTimeout> | undefined;
      // A timer only while an end is near: one wake-up at each change of the displayed second.
      const arm = () => {
        clearTimeout(timer);
        timer = undefined;
        const ending = session.getSnapshot().ending;
        const left = ending === null ? 0 : ending.at - now();
        if (left > 0) timer = setTimeout(tick, left % 1000 || 1000);
      };
      const tick = () => {
        onChange();
        arm();
      };
      const unsubscribe = session.subscribe(tick);
      arm();
      return () => {
        unsubscribe();
        clearTimeout(timer);
      };
    },
    [session],
  );

  return useSyncExternalStore(
    subscribe,
    () => read(session.getSnapshot(), clockOf(session)()),
    () => read(serverSnapshot, clockOf(session)()),
  );
}
