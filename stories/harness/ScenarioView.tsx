import { useSyncExternalStore, type CSSProperties } from 'react';
import { SessionStatechart } from '../../src/devtools.js';
import { SessionProvider } from '../../src/react.js';
import { ClientApp } from './ClientApp.js';
import { SignOutWarning } from './SignOutWarning.js';
import type { StoryBackend } from './backend.js';
import type { Scenario, Tab } from './scenario.js';

const box: CSSProperties = { border: '1px solid #cbd5e1', borderRadius: 8, padding: 12, minWidth: 0 };
const heading: CSSProperties = { fontSize: 14, margin: '0 0 8px' };
const button = { marginRight: 8, marginBottom: 6 };

/**
 * Reaching for the warning's "Sign out" is not activity: the pointerdown would end an idle
 * warning, and unmount its buttons, before the click lands (the demo's activity source does the same).
 */
const outsideWarning = (report: () => void) => (event: { target: EventTarget }) => {
  if (!(event.target instanceof Element && event.target.closest('[data-session-warning]'))) report();
};

const useBackend = (backend: StoryBackend) => useSyncExternalStore(backend.store.subscribe, backend.store.get);

/** The switches of the fake server and the clock, and the refresh counter. */
function ServerPanel({ scenario }: { scenario: Scenario }) {
  const { backend, clock } = scenario;
  const state = useBackend(backend);
  const elapsed = useSyncExternalStore(clock.store.subscribe, clock.store.get);
  const toggle = (label: string, checked: boolean, change: (on: boolean) => void) => (
    <label style={{ marginRight: 16, whiteSpace: 'nowrap' }}>
      <input type="checkbox" checked={checked} onChange={(e) => change(e.target.checked)} /> {label}
    </label>
  );
  return (
    <section aria-label="Fake server" style={box}>
      <h3 style={heading}>Fake auth server and clock</h3>
      <p style={{ margin: '0 0 6px' }}>
        Clock: <strong data-testid="clock">+{elapsed / 1000} s</strong> ({new Date(clock.now()).toISOString().slice(11, 19)} UTC)
        · access tokens live 60 s, background refresh from 45 s · Refresh requests:{' '}
        <strong data-testid="refresh-count">{state.refreshCalls}</strong>
        {scenario.lifetime && (
          <>
            {' '}
            · Revocations: <strong data-testid="revoke-count">{state.revocations}</strong>
          </>
        )}
      </p>
      <div>
        <button type="button" style={button} onClick={() => scenario.advance(10_000)}>
          +10 s
        </button>
        <button type="button" style={button} onClick={() => scenario.advance(60_000)}>
          +1 min
        </button>
        <button type="button" style={button} onClick={() => scenario.sleep(600_000)}>
          Sleep 10 min
        </button>
        {scenario.browserWake && (
          <button type="button" style={button} onClick={() => document.dispatchEvent(new Event('visibilitychange'))}>
            Wake up (visibilitychange)
          </button>
        )}
        <button type="button" style={button} onClick={() => backend.revokeAll()}>
          Revoke all sessions
        </button>
      </div>
      <div>
        {toggle('Network down', state.networkDown, (down) => {
          backend.setNetworkDown(down);
          if (!down) scenario.wake('online'); // the browser fires `online` when the network returns
        })}
        {toggle('Slow refresh', state.holdRefresh, (on) => backend.setHold('refresh', on))}
        {toggle('Slow API', state.holdApi, (on) => backend.setHold('api', on))}
        {toggle('Refresh answers 200 { code: 401 }', state.refreshAnswer === 'code-401', (on) =>
          backend.setRefreshAnswer(on ? 'code-401' : 'rotate'),
        )}
      </div>
    </section>
  );
}

/** Every request the fake server received, oldest first. */
function RequestLog({ backend }: { backend: StoryBackend }) {
  const { log } = useBackend(backend);
  return (
    <section aria-label="Request log" style={box}>
      <h3 style={heading}>Requests the server received</h3>
      <ol style={{ margin: 0, fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
        {log.map((r) => (
          <li key={r.id} data-outcome={r.outcome}>
            {r.method} {r.path} ({r.credential}) → {r.outcome}
          </li>
        ))}
      </ol>
    </section>
  );
}

function TabView({ scenario, tab }: { scenario: Scenario; tab: Tab }) {
  return (
    <section aria-label={tab.label} style={box}>
      <h3 style={heading}>{tab.label}</h3>
      <SessionProvider session={tab.session}>
        {/* a click or a key in the app is the user's activity (the idle timer's), except in the warning */}
        <div onPointerDownCapture={outsideWarning(tab.userActivity)} onKeyDownCapture={outsideWarning(tab.userActivity)}>
          <ClientApp scenario={scenario} tab={tab} />
          {scenario.lifetime && <SignOutWarning tab={tab} clock={scenario.clock} />}
        </div>
      </SessionProvider>
      <div style={{ marginTop: 12 }}>
        <SessionStatechart session={tab.session} now={scenario.clock.now} />
      </div>
    </section>
  );
}

/** A story's whole page: the server and clock, the app (or two tabs), the request log. */
export function ScenarioView({ scenario }: { scenario: Scenario }) {
  return (
    <div style={{ display: 'grid', gap: 12, fontFamily: 'system-ui, sans-serif', fontSize: 14, color: '#0f172a' }}>
      <ServerPanel scenario={scenario} />
      <div style={{ display: 'grid', gap: 12, gridTemplateColumns: `repeat(${scenario.tabs.length}, minmax(0, 1fr))` }}>
        {scenario.tabs.map((tab) => (
          <TabView key={tab.label} scenario={scenario} tab={tab} />
        ))}
      </div>
      <RequestLog backend={scenario.backend} />
    </div>
  );
}
