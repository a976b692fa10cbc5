import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SessionProvider } from '../../src/react.js';
import { App } from './App.js';
import { session } from './session.js';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <SessionProvider session={session}>
      <App />
    </SessionProvider>
  </StrictMode>,
);
