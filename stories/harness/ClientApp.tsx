import { useRef, useState, useSyncExternalStore } from 'react';
import { isSessionError } from '../../src/index.js';
import { useSession } from '../../src/react.js';
import type { Scenario, Tab } from './scenario.js';

interface Call {
  id: number;
  path: string;
  result: string;
  state: 'waiting' | 'ok' | 'failed';
}

const reasons: Record<number, string> = { 200: 'OK', 401: 'Unauthorized', 404: 'Not Found' };
const describe = (error: unknown) =>
  isSessionError(error) ? error.kind : error instanceof TypeError ? `network (${error.message})` : String(error);

const button = { marginRight: 8, marginBottom: 6 };

/**
 * The small app a story renders: what useSession() says, buttons that call the protected API
 * through createAuthFetch, and every call's result. Each call is one line; a failure also
 * shows in the alert below.
 */
export function ClientApp({ scenario, tab }: { scenario: Scenario; tab: Tab }) {
  const { status, claims, pending, error, logout } = useSession();
  const loggedOutCalls = useSyncExternalStore(tab.loggedOutCalls.subscribe, tab.loggedOutCalls.get);
  const [calls, setCalls] = useState<Call[]>([]);
  const [lastError, setLastError] = useState<string | null>(null);
  const nextId = useRef(1);

  const settle = (id: number, state: Call['state'], result: string) => {
    setCalls((all) => all.map((c) => (c.id === id ? { ...c, state, result } : c)));
    if (state === 'failed') setLastError(`Call ${id} failed: ${result}`);
  };

  const call = (path: string) => {
    const id = nextId.current++;
    setCalls((all) => [...all, { id, path, result: 'waiting…', state: 'waiting' }]);
    tab.authFetch(path).then(
      (res) => settle(id, res.ok ? 'ok' : 'failed', `${res.status} ${reasons[res.status] ?? ''}`.trim()),
      (e: unknown) => settle(id, 'failed', describe(e)),
    );
  };

  const count = (state: Call['state']) => calls.filter((c) => c.state === state).length;
  const name = typeof claims?.name === 'string' ? claims.name : null;

  return (
    <div>
      <p style={{ margin: '0 0 4px' }}>
        Status: <strong data-testid="status">{status}</strong>
        {name && status !== 'loggedOut' && <span> — signed in as {name}</span>}
      </p>
      <p style={{ margin: '0 0 4px' }}>
        Calls waiting for a token: <strong data-testid="pending">{pending}</strong> · onLoggedOut fired:{' '}
        <strong data-testid="logged-out-count">{loggedOutCalls}</strong>
        {error && (
          <span>
            {' '}
            · session error: <strong data-testid="session-error">{error.kind}</strong>
          </span>
        )}
      </p>
      <div>
        <button
          type="button"
          style={button}
          onClick={() => scenario.login(tab).catch((e: unknown) => setLastError(`Log in failed: ${describe(e)}`))}
        >
          Log in
        </button>
        <button type="button" style={button} onClick={logout}>
          Log out
        </button>
        <button type="button" style={button} onClick={() => call('/api/data')}>
          Call API
        </button>
        <button type="button" style={button} onClick={() => Array.from({ length: 10 }, () => call('/api/data'))}>
          Call API ×10
        </button>
        <button type="button" style={button} onClick={() => call('/api/always-401')}>
          Call always-401 endpoint
        </button>
      </div>
      <p data-testid="calls-summary" style={{ margin: '4px 0' }}>
        {count('ok')} ok · {count('failed')} failed · {count('waiting')} waiting
      </p>
      <ol aria-label="Calls" style={{ margin: 0, maxHeight: '8rem', overflowY: 'auto', fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
        {calls.map((c) => (
          <li key={c.id}>
            Call {c.id}: GET {c.path} → {c.result}
          </li>
        ))}
      </ol>
      {lastError && (
        <p role="alert" style={{ color: '#b91c1c', margin: '4px 0' }}>
          {lastError}
        </p>
      )}
    </div>
  );
}
