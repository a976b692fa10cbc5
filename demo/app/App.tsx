import { useEffect, useState } from 'react';
import { isSessionError } from '../../src/index.js';
import { SessionStatechart } from '../../src/devtools.js';
import { useSession, useSessionSelector } from '../../src/react.js';
import { admin, authFetch, lifetime, login, session } from './session.js';
import { SignOutWarning } from './SignOutWarning.js';

interface LogLine {
  id: number;
  text: string;
  ok: boolean;
}

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function useServerStats() {
  const [stats, setStats] = useState<Record<string, number | boolean> | null>(null);
  useEffect(() => {
    let live = true;
    const poll = () =>
      fetch('/admin/stats')
        .then((r) => r.json() as Promise<Record<string, number | boolean>>)
        .then((s) => live && setStats(s))
        .catch(() => {});
    void poll();
    const timer = setInterval(poll, 1_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return stats;
}

function Status() {
  const { status, claims, pending, error } = useSession();
  const ending = useSessionSelector((s) => s.ending);
  const expiresAt = useSessionSelector((s) => s.expiresAt);
  const token = useSessionSelector((s) => s.accessToken);
  const now = useNow();
  const left = expiresAt === null ? null : Math.round((expiresAt - now) / 1000);
  return (
    <div className="card status" aria-live="polite">
      <span className="badge" data-status={status} data-testid="status">
        {status}
      </span>
      <span>user: {String(claims?.sub ?? '—')}</span>
      <span>token: {token ? `…${token.slice(-4)}` : '—'}</span>
      <span data-testid="countdown">{left === null ? 'no token' : left >= 0 ? `expires in ${left} s` : `expired ${-left} s ago`}</span>
      <span>waiting requests: {pending}</span>
      {error && <span style={{ color: '#b91c1c' }} data-testid="error">last error: {error.kind}</span>}
      {ending && <span data-testid="ending-reason">ending: {ending.reason}</span>}
    </div>
  );
}

/** The idle timeout and its warning, in seconds; applying them reloads the page with them in the URL. */
function LifetimeSettings() {
  const [idle, setIdle] = useState(String(lifetime.idle ?? 'off'));
  const [warning, setWarning] = useState(String(lifetime.warning));
  return (
    <form
      className="card lifetime"
      aria-label="Session lifetime"
      onSubmit={(e) => {
        e.preventDefault();
        location.search = new URLSearchParams({ idle, warning }).toString();
      }}
    >
      <span data-testid="lifetime">
        {lifetime.idle === null
          ? 'No idle timeout.'
          : `Signed out after ${lifetime.idle} s without activity in any tab, warned ${lifetime.warning} s before; the refresh token is then revoked at the server.`}
      </span>
      <label>
        idle timeout (s, or off) <input aria-label="idle timeout" value={idle} onChange={(e) => setIdle(e.target.value)} />
      </label>
      <label>
        warning (s) <input aria-label="warning" value={warning} onChange={(e) => setWarning(e.target.value)} />
      </label>
      <button type="submit">Apply (reloads)</button>
    </form>
  );
}

let nextId = 1;

export function App() {
  const { isAuthenticated, logout } = useSession();
  const [log, setLog] = useState<LogLine[]>([]);
  const [networkUp, setNetworkUp] = useState(true);
  const [username, setUsername] = useState('demo');
  const stats = useServerStats();
  const add = (text: string, ok: boolean) => setLog((l) => [{ id: nextId++, text, ok }, ...l].slice(0, 200));

  async function fire(n: number) {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        try {
          const res = await authFetch(`/api/item/${i}`);
          return res.status;
        } catch (e) {
          return isSessionError(e) ? e.kind : 'network';
        }
      }),
    );
    const ok = results.filter((r) => r === 200).length;
    const ms = Math.round(performance.now() - started);
    const other = [...new Set(results.filter((r) => r !== 200))].join(', ');
    add(`${n} requests → ${ok} × 200${other ? `, failed: ${other}` : ''} in ${ms} ms`, ok === n);
  }

  async function toggleNetwork() {
    await admin(`network?up=${networkUp ? '0' : '1'}`);
    setNetworkUp(!networkUp);
    add(`network ${networkUp ? 'down' : 'up'}`, true);
  }

  return (
    <main>
      <h1>silent-session — live demo</h1>
      <p className="lede">
        A real auth server (access tokens live 20 s, refresh tokens 10 min, rotated, reuse detected) and one session per tab.
        Fire requests across an expiry, revoke tokens, cut the network, open more tabs: the statechart shows what happens.
        Leave the page alone for a minute and it warns you, then signs you out in every tab.
      </p>
      <Status />
      <LifetimeSettings />
      <SignOutWarning />
      <div className="card buttons">
        {isAuthenticated ? (
          <button onClick={() => void logout().then(() => add('logged out (revocation settled)', true))}>Log out</button>
        ) : (
          <>
            <input aria-label="user name" value={username} onChange={(e) => setUsername(e.target.value)} style={{ width: 90 }} />
            <button className="primary" onClick={() => login(username).then(() => add(`logged in as ${username}`, true), (e: Error) => add(e.message, false))}>
              Log in
            </button>
          </>
        )}
        <button onClick={() => void fire(50)}>Fire 50 requests</button>
        <button onClick={() => void fire(1)}>Fire 1 request</button>
        <button onClick={() => session.refresh().then(() => add('refreshed', true), (e: Error) => add(`refresh failed: ${e.message}`, false))}>Refresh now</button>
        <button onClick={() => void admin('revoke-access').then(() => add('server revoked every access token', true))}>Revoke access token</button>
        <button onClick={() => void admin('revoke-sessions').then(() => add('server revoked every refresh token', true))}>Revoke session</button>
        <button aria-pressed={!networkUp} onClick={() => void toggleNetwork()}>
          {networkUp ? 'Take network down' : 'Bring network up'}
        </button>
        <button onClick={() => window.open(location.href, '_blank')}>Open another tab</button>
      </div>
      <div className="grid">
        <section className="card">
          <h2>Requests (newest first)</h2>
          <ol className="log" data-testid="request-log">
            {log.map((line) => (
              <li key={line.id} className={line.ok ? 'ok' : 'fail'}>
                {line.text}
              </li>
            ))}
          </ol>
        </section>
        <section className="card">
          <h2>Counted at the server</h2>
          <dl className="stats">
            <dt>refresh requests</dt>
            <dd data-testid="server-refreshes">{String(stats?.refreshCalls ?? '…')}</dd>
            <dt>API requests answered 200</dt>
            <dd data-testid="server-ok">{String(stats?.apiOk ?? '…')}</dd>
            <dt>API requests with an expired token</dt>
            <dd>{String(stats?.apiExpired ?? '…')}</dd>
            <dt>revocations (POST /revoke)</dt>
            <dd data-testid="server-revocations">{String(stats?.revocations ?? '…')}</dd>
            <dt>refresh-token reuse detected</dt>
            <dd>{String(stats?.reuseDetections ?? '…')}</dd>
            <dt>network</dt>
            <dd>{stats?.networkDown ? 'down' : 'up'}</dd>
          </dl>
        </section>
      </div>
      <section className="card">
        <h2>The session statechart, live</h2>
        <SessionStatechart session={session} />
      </section>
    </main>
  );
}
