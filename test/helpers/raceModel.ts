import fc from 'fast-check';
import {
  createSession,
  isSessionError,
  SessionError,
  type Session,
  type SessionStatus,
  type TokenSet,
  type TokenStorage,
  type WakeReason,
} from '../../src/index.js';

// A harness for property-based race tests. fast-check's scheduler decides the order in which
// the user's actions (one sequence) and the outside world's answers (refresh responses,
// storage writes) happen; between two such steps every promise chain runs to its end, as it
// does in a browser, where user events and network answers each arrive in their own task.
// The harness keeps a small model of what the user did (who is signed in, which tokens
// belong to which sign-in) and collects every broken invariant with a readable log.

/** What the user (or the app's HTTP client on the user's behalf) does. */
export type Command =
  | { kind: 'login' }
  | { kind: 'logout' }
  | { kind: 'get'; abortable: boolean }
  | { kind: 'abort'; which: number }
  | { kind: 'reject-current' }
  | { kind: 'reject-stale'; which: number }
  | { kind: 'refresh' }
  | { kind: 'wake'; reason: Exclude<WakeReason, 'request'> }
  | { kind: 'renew'; expiresIn: number }
  | { kind: 'clock'; ms: number }
  | { kind: 'touch' }
  | { kind: 'stop' };

/** How the auth server answers the n-th refresh request (cycled). */
export type Outcome = 'ok' | 'network' | 'rejected';

export interface Scenario {
  /** Storage holds a token set when the session is created. */
  stored: boolean;
  /** Storage answers (load, save, clear) land when the scheduler says, not at once. */
  asyncStorage: boolean;
  /** `retry.attempts`: extra tries after a transient failure. */
  attempts: 0 | 1;
  outcomes: Outcome[];
  commands: Command[];
  /** An idle timeout of IDLE_MS applies (activity: login and touch only). */
  idle?: boolean;
}

export const LEAD_TIME = 60_000;
export const IDLE_MS = 300_000;
const LIFETIME_S = 300;
const START = Date.UTC(2026, 0, 1);

const STATUSES: ReadonlySet<SessionStatus> = new Set<SessionStatus>([
  'restoring',
  'loggedOut',
  'authenticated',
  'expiringSoon',
  'refreshing',
  'refreshFailed',
]);
const KINDS: ReadonlySet<string> = new Set<SessionError['kind']>([
  'network',
  'timeout',
  'http',
  'rejected',
  'invalid-response',
  'rate-limited',
  'logged-out',
  'aborted',
  'idle-timeout',
  'session-expired',
]);

interface Tracked {
  label: string;
  state: 'pending' | 'resolved' | 'rejected';
  value?: string;
  kind?: string;
}

/** Runs out the microtask queue: every promise chain started so far reaches its next real wait. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Lets a zero-delay `setTimeout` (the retry backoff) fire. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** The result of one run, for the test's own assertions. */
export interface RaceRun {
  session: Session;
  problems: string[];
  log: string[];
  refreshCalls: number;
  maxInFlight: number;
  saves: TokenSet[];
  tracked: Tracked[];
}

/**
 * Plays `scenario` under scheduler `s` and checks the invariants after every step. Throws
 * an Error listing every broken invariant and the log of the run.
 */
export async function runRace(s: fc.Scheduler, scenario: Scenario): Promise<RaceRun> {
  const log: string[] = [];
  const problems: string[] = [];
  const problem = (message: string) => {
    problems.push(message);
    log.push(`!! ${message}`);
  };

  let clock = START;
  // A new epoch starts with every sign-in and every sign-out (asked for or forced by a
  // rejected refresh). A token belongs to the epoch in which it was asked for.
  let epoch = 0;
  let signedIn = scenario.stored;
  let stopped = false;
  const tokenEpoch = new Map<string, number>();
  const expiry = new Map<string, number>();
  const partner = new Map<string, string | undefined>();
  const issued: string[] = [];
  const issue = (set: TokenSet, inEpoch: number, refreshToken: string | undefined) => {
    tokenEpoch.set(set.accessToken, inEpoch);
    expiry.set(set.accessToken, set.expiresAt ?? clock + (set.expiresIn ?? LIFETIME_S) * 1000);
    partner.set(set.accessToken, refreshToken);
    issued.push(set.accessToken);
  };

  // Storage that records every write; optionally every operation lands when the scheduler says.
  let stored: TokenSet | null = null;
  const saves: TokenSet[] = [];
  let pendingStorage = 0;
  if (scenario.stored) {
    stored = { accessToken: 'stored-0-abcdefgh', refreshToken: 'storedrefresh-0-abcdefgh', expiresAt: clock + LIFETIME_S * 1000 };
    issue(stored, 0, stored.refreshToken);
  }
  const copy = (t: TokenSet | null) => (t === null ? null : { ...t });
  const recordSave = (t: TokenSet) => {
    saves.push({ ...t });
    log.push(`storage.save ${t.accessToken} + ${String(t.refreshToken)}`);
    const whole = (v: unknown) => typeof v === 'string' && v !== '';
    if (!whole(t.accessToken) || !whole(t.refreshToken)) {
      problem(`storage.save got half a token pair: ${JSON.stringify(t)}`);
    } else if (partner.has(t.accessToken) && partner.get(t.accessToken) !== t.refreshToken) {
      const own = String(partner.get(t.accessToken));
      problem(`storage.save paired ${t.accessToken} with ${t.refreshToken}, but it was issued with ${own}`);
    }
  };
  const later = <T>(label: string, value: () => T): Promise<T> => {
    pendingStorage++;
    return s.schedule(Promise.resolve(label), label).then(() => {
      pendingStorage--;
      return value();
    });
  };
  const storage: TokenStorage = scenario.asyncStorage
    ? {
        load: () => later('storage.load', () => copy(stored)),
        save: (t) => {
          recordSave(t);
          const value = { ...t };
          return later(`storage.save(${t.accessToken})`, () => void (stored = value));
        },
        clear: () => {
          log.push('storage.clear');
          return later('storage.clear', () => void (stored = null));
        },
      }
    : {
        load: () => copy(stored),
        save: (t) => {
          recordSave(t);
          stored = { ...t };
        },
        clear: () => {
          log.push('storage.clear');
          stored = null;
        },
      };

  // The auth server: each request's answer is released by the scheduler. Like fetch, an
  // aborted request settles at once with an AbortError.
  let refreshCalls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let backoffs = 0;
  // The server rotates: a refresh token it exchanges for a new pair is spent the moment the
  // request reaches it, whether or not the session later keeps the answer. Sending a spent
  // token again is what a rotating server punishes by revoking the whole family.
  const spentBy = new Map<string, number>();
  const fate = new Map<number, string>();
  const refresh = ({ refreshToken, signal }: { refreshToken?: string | undefined; signal: AbortSignal }) => {
    const id = ++refreshCalls;
    const outcome = scenario.outcomes[(id - 1) % scenario.outcomes.length] ?? 'ok';
    const askedIn = epoch;
    log.push(`refresh#${id} sent with ${String(refreshToken)} (epoch ${askedIn}), will answer ${outcome}`);
    if (inFlight > 0) problem(`refresh#${id} was sent while ${inFlight} other refresh request(s) were in flight`);
    if (stopped || session.getSnapshot().status === 'loggedOut') {
      problem(`refresh#${id} was sent by a session that is ${stopped ? 'stopped' : 'logged out'}`);
    }
    if (signal.aborted) problem(`refresh#${id} was sent with an already aborted signal`);
    const spent = refreshToken === undefined ? undefined : spentBy.get(refreshToken);
    if (spent !== undefined) {
      problem(
        `refresh#${id} sent ${String(refreshToken)} again, though the server already exchanged it in refresh#${spent} ` +
          `(${fate.get(spent) ?? 'still in flight'}); a rotating server takes this for token theft and revokes the family`,
      );
    }
    if (refreshToken !== undefined && outcome === 'ok') spentBy.set(refreshToken, id);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<TokenSet>((resolve, reject) => {
      let done = false;
      const finish = (what: string, f: () => void) => {
        if (done) return;
        done = true;
        inFlight--;
        fate.set(
          id,
          what === 'aborted' ? 'the session abandoned that request' : 'its answer reached the session, which did not keep it',
        );
        log.push(`refresh#${id} ${what}`);
        f();
      };
      signal.addEventListener('abort', () => finish('aborted', () => reject(new DOMException('aborted', 'AbortError'))), {
        once: true,
      });
      void s.schedule(Promise.resolve(outcome), `refresh#${id} answers ${outcome}`).then(() => {
        if (done) return; // aborted first: like fetch, the answer never reaches the caller
        if (outcome === 'ok') {
          const set = { accessToken: `access-${id}-abcdefgh`, refreshToken: `refresh-${id}-abcdefgh`, expiresIn: LIFETIME_S };
          issue(set, askedIn, set.refreshToken);
          finish(`answered ${set.accessToken}`, () => resolve(set));
        } else if (outcome === 'network') {
          finish('failed (network)', () => reject(new SessionError('network', 'offline')));
        } else {
          finish('rejected (401)', () => reject(new SessionError('rejected', 'refresh token revoked', { status: 401 })));
        }
      });
    });
  };

  let notify: ((reason: WakeReason) => void) | undefined;
  const session = createSession({
    refresh,
    storage,
    now: () => clock,
    refreshLeadTime: LEAD_TIME,
    refreshTimeout: 1e9,
    retry: { attempts: scenario.attempts, backoff: () => (backoffs++, 0) },
    maxRefreshesPerMinute: 1e9,
    ...(scenario.idle ? { idleTimeout: IDLE_MS, endingWarning: 60_000 } : {}),
    activity: false,
    wake: (n) => {
      notify = n;
      return () => (notify = undefined);
    },
    onWarning: (message) => log.push(`warning: ${message}`),
  });
  const ctx = () => session.actor.getSnapshot().context;

  let lastStatus = session.getSnapshot().status;
  // The last user activity the session was told of (login, touch); the session starts counting at creation.
  let lastActive = clock;
  session.subscribe((snap) => {
    if (!STATUSES.has(snap.status)) problem(`the snapshot's status is ${String(snap.status)}`);
    if (snap.status !== lastStatus) log.push(`  status ${lastStatus} → ${snap.status}`);
    if (snap.status === 'loggedOut' && lastStatus !== 'loggedOut') {
      if (snap.error?.kind === 'idle-timeout') {
        if (!scenario.idle) problem('the session ended for idleness without an idleTimeout');
        else if (clock < lastActive + IDLE_MS) problem(`the session ended for idleness ${(lastActive + IDLE_MS - clock) / 1000}s early`);
        signedIn = false;
      }
      epoch++;
      if (snap.accessToken !== null) problem(`loggedOut with an access token ${snap.accessToken}`);
      if (snap.pending !== 0) problem(`loggedOut with ${snap.pending} callers still waiting`);
    }
    lastStatus = snap.status;
  });

  const tracked: Tracked[] = [];
  function track(label: string, promise: Promise<string>): Tracked {
    const t: Tracked = { label, state: 'pending' };
    tracked.push(t);
    promise.then(
      (value) => {
        t.state = 'resolved';
        t.value = value;
        log.push(`  ${label} resolved ${value}`);
        const from = tokenEpoch.get(value);
        if (from === undefined) problem(`${label} resolved with ${value}, a token nobody issued`);
        else if (from !== epoch) {
          problem(
            `${label} resolved with ${value}, a token of epoch ${from}, after a logout/login started epoch ${epoch}`,
          );
        }
        const expired = expiry.get(value);
        if (expired !== undefined && clock >= expired) {
          problem(`${label} resolved with ${value}, which expired ${(clock - expired) / 1000}s ago on the session's clock`);
        }
      },
      (error: unknown) => {
        t.state = 'rejected';
        const kind = isSessionError(error) ? error.kind : undefined;
        if (kind !== undefined) t.kind = kind;
        log.push(`  ${label} rejected ${kind ?? String(error)}`);
        if (kind === undefined || !KINDS.has(kind)) {
          problem(`${label} rejected with ${String(error)}, not a SessionError of a documented kind`);
        }
      },
    );
    return t;
  }

  const controllers: Array<{ controller: AbortController; tracked: Tracked }> = [];
  // Callers whose signal was aborted while they waited: they must have left with kind 'aborted'.
  let mustBeAborted: Tracked[] = [];
  // Stale 401s answered from the current token: they must resolve with exactly that token.
  let mustResolve: Array<{ tracked: Tracked; token: string }> = [];
  let logins = 0;
  let renewals = 0;
  let calls = 0;

  function run(cmd: Command) {
    const snap = session.getSnapshot();
    log.push(`> ${JSON.stringify(cmd)} [${snap.status}, ${String(snap.accessToken)}, clock +${(clock - START) / 1000}s]`);
    switch (cmd.kind) {
      case 'touch': {
        session.touch();
        lastActive = clock;
        return;
      }
      case 'login': {
        lastActive = clock;
        const n = ++logins;
        const set = { accessToken: `login-${n}-abcdefgh`, refreshToken: `loginrefresh-${n}-abcdefgh`, expiresIn: LIFETIME_S };
        epoch++;
        issue(set, epoch, set.refreshToken);
        session.login(set);
        signedIn = true;
        const after = session.getSnapshot();
        if (!stopped && (after.status !== 'authenticated' || after.accessToken !== set.accessToken)) {
          problem(`after login the session is ${after.status} with ${String(after.accessToken)}`);
        }
        return;
      }
      case 'logout': {
        session.logout();
        signedIn = false;
        const after = session.getSnapshot();
        if (!stopped && (after.status !== 'loggedOut' || after.accessToken !== null || after.pending !== 0)) {
          problem(`after logout the session is ${after.status} with ${String(after.accessToken)}, ${after.pending} waiting`);
        }
        return;
      }
      case 'get': {
        const label = `get#${++calls}`;
        if (!cmd.abortable) return void track(label, session.getAccessToken());
        const controller = new AbortController();
        const t = track(`${label}(abortable #${controllers.length + 1})`, session.getAccessToken({ signal: controller.signal }));
        controllers.push({ controller, tracked: t });
        return;
      }
      case 'abort': {
        const entry = controllers[cmd.which % Math.max(1, controllers.length)];
        if (entry === undefined || entry.controller.signal.aborted) return;
        if (entry.tracked.state === 'pending') mustBeAborted.push(entry.tracked);
        entry.controller.abort(new Error('the user navigated away'));
        return;
      }
      case 'reject-current': {
        const token = snap.accessToken ?? issued.at(-1) ?? 'never-issued-abcdefgh';
        return void track(`tokenRejected#${++calls}(${token})`, session.tokenRejected(token));
      }
      case 'reject-stale': {
        const old = issued.filter((t) => t !== snap.accessToken);
        const token = old[cmd.which % Math.max(1, old.length)] ?? 'never-issued-abcdefgh';
        const due = snap.expiresAt !== null && clock >= snap.expiresAt - LEAD_TIME;
        const before = session.getSnapshot().status;
        const t = track(`tokenRejected#${++calls}(${token}, stale)`, session.tokenRejected(token));
        const after = session.getSnapshot().status;
        // (past the idle end, the session ends on this call instead: checked where it ends)
        const idleOver = scenario.idle === true && clock >= lastActive + IDLE_MS;
        if (!stopped && before === 'authenticated' && !due && !idleOver && snap.accessToken !== null) {
          if (after !== 'authenticated') {
            problem(`a 401 for the stale token ${token} moved the session from authenticated to ${after}`);
          }
          mustResolve.push({ tracked: t, token: snap.accessToken });
        }
        return;
      }
      case 'refresh':
        return void track(`refresh()#${++calls}`, session.refresh());
      case 'wake': {
        notify?.(cmd.reason);
        // waking re-reads the clock: past the idle end, the session is over (restoring: not yet known)
        const after = session.getSnapshot();
        if (scenario.idle && !stopped && clock >= lastActive + IDLE_MS && after.status !== 'loggedOut' && after.status !== 'restoring') {
          problem(`woken ${(clock - lastActive) / 1000}s after the last activity, with an idle timeout of ${IDLE_MS / 1000}s, the session is still ${after.status}`);
        }
        return;
      }
      case 'renew': {
        const set = { accessToken: `renewed-${++renewals}-abcdefgh`, expiresIn: cmd.expiresIn };
        // Renewed tokens extend the current sign-in; offered while signed out they belong to none.
        const base = ctx().tokens;
        issue(set, snap.status === 'loggedOut' || base === null ? -1 : epoch, base?.refreshToken);
        session.tokensRenewed(set);
        return;
      }
      case 'clock':
        clock += cmd.ms;
        return;
      case 'stop':
        stopped = true;
        session.stop();
        return;
    }
  }

  const fail = () => {
    if (problems.length > 0) {
      throw new Error(`${problems.join('\n')}\n--- run log ---\n${log.join('\n')}`);
    }
  };

  /** Storage holds exactly the session's tokens once every write has landed. */
  function checkStorage(when: string) {
    if (pendingStorage > 0 || session.getSnapshot().status === 'restoring') return;
    const tokens = ctx().tokens;
    if (tokens === null) {
      if (stored !== null) problem(`${when}: the session holds no tokens but storage still holds ${stored.accessToken}`);
    } else if (stored === null) {
      problem(`${when}: the session holds ${tokens.accessToken} but storage is empty`);
    } else if (stored.accessToken !== tokens.accessToken || stored.refreshToken !== tokens.refreshToken) {
      const held = `${stored.accessToken} + ${String(stored.refreshToken)}`;
      problem(`${when}: storage holds ${held}, the session ${tokens.accessToken} + ${String(tokens.refreshToken)}`);
    }
  }

  // A retry inside a renewal waits in `backingOff` for a zero-delay timer, which starts once the
  // failure is recorded in storage (a write that may land a scheduler step later).
  const retrying = () => session.actor.getSnapshot().matches({ session: { renewing: { attempt: 'backingOff' } } });
  async function quiesce() {
    await settle();
    while (backoffs > 0 || retrying()) {
      backoffs = 0;
      await tick();
      await settle();
    }
  }

  s.scheduleSequence(
    scenario.commands.map((cmd, i) => ({
      label: `#${i + 1} ${cmd.kind}`,
      builder: () => {
        run(cmd);
        return Promise.resolve();
      },
    })),
  );

  for (let step = 0; ; step++) {
    await quiesce();
    if (!stopped) checkStorage(`after step ${step}`);
    for (const t of mustBeAborted) {
      if (t.state !== 'rejected' || t.kind !== 'aborted') {
        const now = `${t.state} ${t.kind ?? t.value ?? ''}`;
        problem(`${t.label} was waiting when its signal aborted, yet it is ${now} instead of rejected with kind aborted`);
      }
    }
    mustBeAborted = [];
    for (const { tracked: t, token } of mustResolve) {
      if (t.state !== 'resolved' || t.value !== token) {
        const now = `${t.state} ${t.kind ?? t.value ?? ''}`;
        problem(`${t.label} should have resolved with the current token ${token} at once, yet it is ${now}`);
      }
    }
    mustResolve = [];
    const waiting = tracked.filter((t) => t.state === 'pending').length;
    if (!stopped && session.getSnapshot().pending !== waiting) {
      problem(`the snapshot says ${session.getSnapshot().pending} callers are waiting, but ${waiting} are`);
    }
    fail();
    if (s.count() === 0) break;
    await s.waitNext(1);
  }

  // Drained: no answer, write or retry is left to come. Nobody may still be waiting.
  const snap = session.getSnapshot();
  log.push(`= drained: ${snap.status}, ${String(snap.accessToken)}, ${snap.pending} waiting`);
  if (!stopped) {
    if (snap.status === 'refreshing' || snap.status === 'expiringSoon') {
      problem(`nothing is left to happen, yet the session is stuck in ${snap.status}`);
    }
    if (snap.pending !== 0) problem(`nothing is left to happen, yet ${snap.pending} callers are waiting`);
    for (const t of tracked) if (t.state === 'pending') problem(`${t.label} never settled`);
    if (inFlight !== 0) problem(`${inFlight} refresh requests are still in flight`);
    if (!signedIn) {
      if (snap.status !== 'loggedOut' || snap.accessToken !== null) {
        problem(`the last word was logout, yet the session ends ${snap.status} with ${String(snap.accessToken)}`);
      }
      if (stored !== null) problem(`the last word was logout, yet storage holds ${stored.accessToken}`);
    }
  }
  fail();

  session.stop();
  await quiesce();
  for (const t of tracked) if (t.state === 'pending') problem(`${t.label} still pending after stop()`);
  if (s.count() !== 0) problem(`stop() left ${s.count()} operations scheduled`);
  fail();

  return { session, problems, log, refreshCalls, maxInFlight, saves, tracked };
}

const wakeReasons = ['timer', 'visible', 'focus', 'online'] as const;

/** A user's actions, weighted towards the racy ones. */
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Command>({ kind: 'login' }) },
  { weight: 3, arbitrary: fc.constant<Command>({ kind: 'logout' }) },
  { weight: 10, arbitrary: fc.boolean().map<Command>((abortable) => ({ kind: 'get', abortable })) },
  { weight: 3, arbitrary: fc.nat(7).map<Command>((which) => ({ kind: 'abort', which })) },
  { weight: 8, arbitrary: fc.constant<Command>({ kind: 'reject-current' }) },
  { weight: 4, arbitrary: fc.nat(7).map<Command>((which) => ({ kind: 'reject-stale', which })) },
  { weight: 6, arbitrary: fc.constant<Command>({ kind: 'refresh' }) },
  { weight: 4, arbitrary: fc.constantFrom(...wakeReasons).map<Command>((reason) => ({ kind: 'wake', reason })) },
  { weight: 4, arbitrary: fc.constantFrom(200, 400).map<Command>((expiresIn) => ({ kind: 'renew', expiresIn })) },
  { weight: 4, arbitrary: fc.constantFrom(30_000, 250_000, 400_000).map<Command>((ms) => ({ kind: 'clock', ms })) },
  { weight: 3, arbitrary: fc.constant<Command>({ kind: 'touch' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'stop' }) },
);

/** Refresh answers, mostly successes. */
export const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Outcome>('ok') },
  { weight: 2, arbitrary: fc.constant<Outcome>('network') },
  { weight: 1, arbitrary: fc.constant<Outcome>('rejected') },
);

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  stored: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  asyncStorage: fc.boolean(),
  attempts: fc.constantFrom<0 | 1>(0, 1),
  outcomes: fc.array(outcomeArb, { minLength: 1, maxLength: 6 }),
  commands: fc.array(commandArb, { minLength: 1, maxLength: 20, size: 'max' }),
  idle: fc.boolean(),
});
