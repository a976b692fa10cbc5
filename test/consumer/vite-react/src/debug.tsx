import { createRoot } from 'react-dom/client';
import { SessionStatechart } from 'silent-session/devtools';
import { SessionProvider, useSessionSelector } from 'silent-session/react';
import { Home } from './Home';
import { session } from './session';

// The same app plus the debug view: it must build with react alone (no @xstate/react).
function Status() {
  return <p>{useSessionSelector((s) => s.status)}</p>;
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <SessionProvider session={session}>
    <Home />
    <Status />
    <SessionStatechart session={session} />
  </SessionProvider>,
);
