import { createRoot } from 'react-dom/client';
import { createSession, SessionError, type Session, type SessionStatus, type TokenSet } from '../../../src/index.js';
import { SessionStatechart } from '../../../src/devtools.js';

// Puts a session in each of the five public states, with no network: the refresh function
// here is the page's own (never answering, or failing), so each state holds still for a
// screenshot.
const root = createRoot(document.getElementById('root') as HTMLElement);
let current: Session | null = null;

const never = () => new Promise<TokenSet>(() => {});
const offline = async (): Promise<TokenSet> => {
  throw new SessionError('network', 'Failed to fetch');
};
const tokens = (expiresAt: number): TokenSet => ({
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNjcmVlbnNob3Q-Ab12',
  refreshToken: 'rt_screenshot_refresh_token_Zz99',
  expiresAt,
  expiresIn: 600,
});

async function show(status: SessionStatus) {
  current?.stop();
  const session = createSession({
    refresh: status === 'refreshFailed' ? offline : never,
    retry: { attempts: 0 },
    wake: false,
  });
  current = session;
  root.render(<SessionStatechart session={session} />);
  await new Promise((r) => setTimeout(r, 30)); // mounted: the event log sees what follows
  if (status !== 'loggedOut') {
    session.login(tokens(Date.now() + (status === 'expiringSoon' ? 45_000 : 540_000)));
  }
  if (status === 'refreshing' || status === 'refreshFailed') void session.refresh().catch(() => {});
  await new Promise((r) => setTimeout(r, 50));
  return session.getSnapshot().status;
}

Object.assign(window, { show });
