import { useState, useSyncExternalStore, type CSSProperties } from 'react';
import { useSessionEnding } from '../../src/react.js';
import type { Clock } from './clock.js';
import type { Tab } from './scenario.js';

const REASONS = {
  idle: 'after a time without activity',
  'max-age': 'the session reached its maximum age',
  'refresh-expiry': 'the refresh token expires',
} as const;

const dialog: CSSProperties = { border: '2px solid #ca8a04', background: '#fefce8', borderRadius: 8, padding: '8px 12px', margin: '8px 0' };

/**
 * The sign-out warning an app builds on useSessionEnding(), as the demo has it, plus what the
 * stories check: the session's warnings and whether logout() resolved.
 *
 * The story's clock moves only when a button says so, and no timer can know it did: the
 * warning re-renders on each move (a real clock moves on its own, and the hook's once-a-second
 * timer follows it).
 */
export function SignOutWarning({ tab, clock }: { tab: Tab; clock: Clock }) {
  useSyncExternalStore(clock.store.subscribe, clock.store.get);
  const ending = useSessionEnding();
  const warnings = useSyncExternalStore(tab.warnings.subscribe, tab.warnings.get);
  const [logoutResolved, setLogoutResolved] = useState(0);
  return (
    <div>
      {ending && (
        <div role="alertdialog" aria-label="Sign-out warning" data-session-warning style={dialog}>
          <p style={{ margin: '0 0 6px' }}>
            <strong data-testid="ending">You'll be signed out in {ending.secondsLeft} s</strong>{' '}
            (<span data-testid="ending-reason">{ending.reason}</span>: {REASONS[ending.reason]})
          </p>
          {ending.stayActive && (
            <button type="button" style={{ marginRight: 8 }} onClick={ending.stayActive}>
              Stay signed in
            </button>
          )}
          <button type="button" onClick={() => void ending.logout().then(() => setLogoutResolved((n) => n + 1))}>
            Sign out
          </button>
        </div>
      )}
      <p style={{ margin: '4px 0' }}>
        logout() resolved: <strong data-testid="logout-resolved">{logoutResolved}</strong>
      </p>
      {warnings.length > 0 && (
        <ol aria-label="Warnings" style={{ margin: '4px 0', color: '#92400e', fontSize: 12 }}>
          {warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ol>
      )}
    </div>
  );
}
