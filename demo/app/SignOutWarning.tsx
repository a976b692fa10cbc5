import { useState } from 'react';
import { useSessionEnding } from '../../src/react.js';
import { WARNING } from './session.js';

const WHY = {
  idle: 'You have been inactive for a while.',
  'max-age': 'Your session has reached its maximum length.',
  'refresh-expiry': 'Your sign-in can no longer be renewed.',
} as const;

/**
 * "You'll be signed out in N s — Stay signed in / Sign out", built on useSessionEnding(). It
 * shows in every tab at once, and either answer reaches every tab. Activity inside it does not
 * count (the session's activity source skips `[data-session-warning]`), so "Sign out" can be
 * reached; "Stay signed in" is offered only for an idle end, the one end that can be put off.
 */
export function SignOutWarning() {
  const ending = useSessionEnding();
  const [signingOut, setSigningOut] = useState(false);
  if (ending === null) return null;
  const props = { [WARNING]: '' };
  return (
    <div className="backdrop" {...props}>
      <div role="alertdialog" aria-modal="true" aria-labelledby="ending-title" aria-describedby="ending-why" className="dialog">
        <h2 id="ending-title" data-testid="ending">
          You'll be signed out in {ending.secondsLeft} s
        </h2>
        <p id="ending-why">{WHY[ending.reason]}</p>
        <div className="buttons">
          {ending.stayActive && (
            // autoFocus: Enter answers the question the dialog asks
            <button className="primary" autoFocus onClick={ending.stayActive}>
              Stay signed in
            </button>
          )}
          <button
            disabled={signingOut}
            onClick={() => {
              setSigningOut(true);
              void ending.logout().finally(() => setSigningOut(false));
            }}
          >
            Sign out
          </button>
        </div>
      </div>
    </div>
  );
}
