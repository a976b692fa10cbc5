import { createRoot } from 'react-dom/client';
import { SessionProvider } from 'silent-session/react';
import { Home } from './Home';
import { session } from './session';

createRoot(document.getElementById('root') as HTMLElement).render(
  <SessionProvider session={session}>
    <Home />
  </SessionProvider>,
);
