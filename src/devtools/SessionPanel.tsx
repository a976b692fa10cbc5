import { useEffect, useState, useSyncExternalStore } from 'react';
import type { AnyEventObject, InspectionEvent } from 'xstate';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot } from '../machine/types.js';
import { redact } from '../machine/redact.js';
import { useServerSnapshot } from '../react/SessionProvider.js';
import { useActorSubscription } from './useActivePaths.js';

/** One line of the event log. */
interface LoggedEvent {
  /** Increasing per logged event: the list item's key. */
  id: number;
  at: number;
  text: string;
}

const LOG_SIZE = 50;

// An event as one readable line; tokens appear only as their last four characters.
function describeEvent(event: AnyEventObject): string {
  const e = event as AnyEventObject & Record<string, unknown>;
  const access = (tokens: unknown) => redact((tokens as { accessToken?: string } | undefined)?.accessToken);
  switch (e.type) {
    case 'LOGIN':
    case 'TAB_TOKENS':
    case 'TOKENS_RENEWED':
    case 'LATE_REFRESH_ANSWER':
    case 'ANSWER_RECEIVED':
    case 'TOKENS_FOUND':
      return `${e.type} ${access(e.tokens)}`;
    case 'REFRESH_FAILED':
      return `REFRESH_FAILED (${String((e.error as { kind?: string } | undefined)?.kind)})`;
    case 'TOKEN_REQUESTED':
      return typeof e.rejected === 'string' ? `TOKEN_REQUESTED (401 with ${redact(e.rejected)})` : 'TOKEN_REQUESTED';
    case 'WAKE':
      return `WAKE (${String(e.reason)})`;
    default:
      return /^xstate\./.test(e.type) ? e.type.replace(/^xstate\.(\w+)\.(actor\.)?/, '$1 ').replace(/\.session\..*$/, '') : e.type;
  }
}

let logged = 0;

// Events the session's actor received, except its internal SESSION_CHANGED. A caller's question
// (TOKEN_REQUESTED, one per request) is logged when it moved the session or reported a 401:
// a request every 100 ms would otherwise push everything else out of the log.
function logs(event: InspectionEvent, session: Session): boolean {
  if (event.actorRef !== session.actor) return false;
  const type = (event as { event?: AnyEventObject }).event?.type;
  if (type === 'TOKEN_REQUESTED') {
    if (event.type !== '@xstate.microstep' || event.event.type !== 'TOKEN_REQUESTED') return false;
    return typeof event.event.rejected === 'string' || event._transitions.some((t) => t.target !== undefined);
  }
  return event.type === '@xstate.event' && type !== 'SESSION_CHANGED';
}

function useEventLog(session: Session, now: () => number): LoggedEvent[] {
  const [log, setLog] = useState<LoggedEvent[]>([]);
  useEffect(() => {
    setLog((previous) => (previous.length === 0 ? previous : [])); // a new session, a new log
    const subscription = session.actor.system.inspect((event: InspectionEvent) => {
      if (!logs(event, session) || !('event' in event)) return;
      const line = { id: ++logged, at: now(), text: describeEvent(event.event) };
      setLog((previous) => [line, ...previous].slice(0, LOG_SIZE));
    });
    return () => subscription.unsubscribe();
  }, [session, now]);
  return log;
}

// Renders again every second, for the countdowns. The time itself is read at each render: a
// state change between ticks (a backoff starting) must count from now, not from the last tick.
function useTick(now: () => number): number {
  const [, setTicks] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTicks((n) => n + 1), 1_000);
    return () => clearInterval(timer);
  }, [now]);
  return now();
}

// What the refresh is doing, from the statechart: its attempt, a backoff, another tab's lock, the
// cooldown after failed cycles (rule 15).
function describeRefresh(snapshot: ReturnType<Session['actor']['getSnapshot']>, time: number): string {
  const { attempt, retryAt, config, failures } = snapshot.context;
  const of = `attempt ${attempt} of ${config.retries + 1}`;
  const cycles = `${failures} failed ${failures === 1 ? 'cycle' : 'cycles'} in a row`;
  if (snapshot.matches({ session: { refreshFailed: 'coolingDown' } })) {
    return `cooling down after ${cycles} — next try in ${seconds(Math.max(0, (retryAt ?? time) - time))}`;
  }
  if (snapshot.matches({ session: { refreshFailed: 'ready' } })) return `${cycles} — the next request tries again`;
  if (snapshot.matches({ session: { renewing: { attempt: 'backingOff' } } })) {
    return `${of} failed — next try in ${seconds(Math.max(0, (retryAt ?? time) - time))}`;
  }
  if (snapshot.matches({ session: { renewing: { attempt: { running: 'waitingForLock' } } } })) return `waiting for another tab's refresh (${of})`;
  if (snapshot.matches({ session: { renewing: { attempt: { running: 'storing' } } } })) return `storing the answer (${of})`;
  if (snapshot.matches({ session: { renewing: { attempt: 'running' } } })) return `in flight (${of})`;
  if (snapshot.matches({ session: { restoring: 'checking' } })) return 'asking the server for a session (checkSession)';
  return '—';
}

// DPoP: the nonce challenges answered by a retry (never a refresh), and the last one.
const nonceRetries = (retry: SessionSnapshot['nonceRetry'], time: number) =>
  retry === null ? 'none' : `${retry.count}, last from ${retry.origin} ${seconds(Math.max(0, time - retry.at))} ago`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
const defaultNow = () => Date.now();

/**
 * The live half of the statechart view: status, the token (last four characters), the
 * countdown to expiry, pending callers, the last error, and the event log.
 *
 * @example
 * {import.meta.env.DEV && <SessionPanel session={session} />}
 */
export function SessionPanel({ session, now = defaultNow }: { session: Session; now?: () => number }) {
  const server = useServerSnapshot();
  const snapshot = useSyncExternalStore(session.subscribe, session.getSnapshot, () => server);
  const time = useTick(now);
  const log = useEventLog(session, now);
  const left = snapshot.expiresAt === null ? null : snapshot.expiresAt - time;
  const machine = useSyncExternalStore(useActorSubscription(session.actor), () => session.actor.getSnapshot(), () => session.actor.getSnapshot());
  const refreshing = describeRefresh(machine, time);
  const ending = snapshot.ending === null ? '—' : `${snapshot.ending.reason}, in ${seconds(Math.max(0, snapshot.ending.at - time))}`;
  const row = (term: string, value: string, testId: string) => (
    <div style={{ display: 'contents' }}>
      <dt style={{ color: '#475569' }}>{term}</dt>
      <dd data-testid={testId} style={{ margin: 0, fontVariantNumeric: 'tabular-nums' }}>
        {value}
      </dd>
    </div>
  );
  return (
    <section aria-label="Session details" style={{ display: 'grid', gridTemplateColumns: 'minmax(14rem, 1fr) 2fr', gap: '1rem', fontSize: 13 }}>
      <dl style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '0.25rem 0.75rem', margin: 0 }}>
        {row('Status', snapshot.status, 'ss-status')}
        {row('Access token', snapshot.accessToken === null ? '—' : redact(snapshot.accessToken), 'ss-token')}
        {row('Expires', left === null ? '—' : left >= 0 ? `in ${seconds(left)}` : `${seconds(-left)} ago`, 'ss-expiry')}
        {row('Refresh', refreshing, 'ss-refresh')}
        {row('Session ends', ending, 'ss-ending')}
        {row('Token type', snapshot.tokenType === 'DPoP' ? 'DPoP (bound to this browser’s key)' : 'Bearer', 'ss-token-type')}
        {snapshot.tokenType === 'DPoP' && row('Nonce retries', nonceRetries(snapshot.nonceRetry, time), 'ss-nonce')}
        {row('Pending requests', String(snapshot.pending), 'ss-pending')}
        {row('Last error', snapshot.error ? `${snapshot.error.kind}: ${snapshot.error.message}` : '—', 'ss-error')}
      </dl>
      <div>
        <h3 style={{ fontSize: 13, margin: '0 0 0.25rem' }}>Events (newest first)</h3>
        <ol aria-label="Event log" aria-live="polite" style={{ margin: 0, paddingLeft: '2rem', maxHeight: '12rem', overflowY: 'auto', fontFamily: 'ui-monospace, monospace' }}>
          {log.map((entry) => (
            <li key={entry.id}>
              <span style={{ color: '#64748b' }}>−{seconds(Math.max(0, time - entry.at))}</span> {entry.text}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
