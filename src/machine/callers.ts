import type { SnapshotFrom } from 'xstate';
import { SessionError } from './errors.js';
import type { SessionEvent, TokenAnswer } from './machineTypes.js';
import type { sessionMachine } from './sessionMachine.js';
import type { WaiterQueue } from './waiters.js';

type MachineSnapshot = SnapshotFrom<typeof sessionMachine>;

const loggedOutError = () => new SessionError('logged-out', 'the session is logged out');

/**
 * The session's callers and the chart's answers to them. A caller's question is one
 * TOKEN_REQUESTED event carrying the clock read once; the chart's transition answers it through
 * `answer` (its giveToken, queueCaller and giveError actions). Callers told to wait are
 * settled by the tags of the states the session reaches (`hasToken`, `fails`). Nothing here
 * compares clocks or tokens: that is the chart's to decide.
 */
export function createCallers(o: {
  now: () => number;
  waiters: WaiterQueue;
  /** Errors handed to waiting callers (the refresh-call tracker recognises them later). */
  gave: (error: SessionError) => void;
}) {
  let asked = 0;
  // Questions being asked right now (an app callback may ask again inside the chart's step),
  // with their answer once the chart gave it. An event from outside names no open question.
  const open = new Map<number, TokenAnswer | null>();

  /** Settles the waiting callers as the snapshot's tags say (a `waits` state leaves them waiting). */
  function settle(snapshot: MachineSnapshot): void {
    if (o.waiters.size === 0) return;
    if (snapshot.hasTag('hasToken') && snapshot.context.tokens !== null) o.waiters.resolveAll(snapshot.context.tokens.accessToken);
    else if (snapshot.hasTag('fails')) {
      const error = snapshot.context.error ?? loggedOutError();
      o.gave(error);
      o.waiters.rejectAll(error);
    }
  }

  return {
    settle,
    /** The chart's answer to the caller of `event` (ignored for any other caller, and after the first). */
    answer(event: SessionEvent, answer: TokenAnswer | 'error', error?: SessionError | null): void {
      if (event.type !== 'TOKEN_REQUESTED' || open.get(event.caller) !== null) return;
      open.set(event.caller, answer === 'error' ? { error: error ?? loggedOutError() } : answer);
    },
    /** Asks the chart once (through `send`) and turns its answer into the caller's promise. */
    ask(send: (event: SessionEvent) => void, snapshot: () => MachineSnapshot, signal?: AbortSignal, rejected?: string): Promise<string> {
      const caller = ++asked;
      open.set(caller, null);
      send({ type: 'TOKEN_REQUESTED', at: o.now(), caller, ...(rejected === undefined ? {} : { rejected }) });
      const answer = open.get(caller);
      open.delete(caller);
      if (answer && 'token' in answer) return Promise.resolve(answer.token);
      if (answer && 'error' in answer) return Promise.reject(answer.error);
      // A wait (or, from a stopped actor, no answer at all): the states the session reaches settle it.
      const waiting = o.waiters.add(signal);
      settle(snapshot());
      return waiting;
    },
  };
}
