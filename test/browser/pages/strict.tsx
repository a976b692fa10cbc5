import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { broadcastSync, createSession, jsonRefresh, webLocks, webStorage } from '../../../src/index.js';
import { createAuthFetch } from '../../../src/fetch.js';
import { SessionProvider, useSession } from '../../../src/react.js';

// A React app in StrictMode (effects mount twice) whose components fetch on mount, opened in
// several tabs at once with an expired stored token.
const skew = Number(new URLSearchParams(location.search).get('skew') ?? 0);
const session = createSession({
  refresh: jsonRefresh({ url: '/refresh' }),
  storage: webStorage(localStorage, { key: 'session' }),
  sync: broadcastSync('tabs'),
  lock: webLocks('tabs'),
  now: () => Date.now() + skew,
});
const authFetch = createAuthFetch(session);

function Profile({ id }: { id: number }) {
  const { status } = useSession();
  const [result, setResult] = useState('loading');
  useEffect(() => {
    let live = true;
    authFetch(`/api/profile/${id}`).then(
      (r) => live && setResult(String(r.status)),
      (e: unknown) => live && setResult(String(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  return <li data-testid={`profile-${id}`}>{`${status} ${result}`}</li>;
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <SessionProvider session={session}>
      <ul>
        <Profile id={1} />
        <Profile id={2} />
        <Profile id={3} />
      </ul>
    </SessionProvider>
  </StrictMode>,
);
Object.assign(window, { tab: { token: () => session.getSnapshot().accessToken } });
