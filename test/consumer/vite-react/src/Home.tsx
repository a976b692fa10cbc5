import { useEffect, useState } from 'react';
import { useSession } from 'silent-session/react';
import { ME } from './api';
import { api, type Claims } from './session';

/** The app's own component: the hooks and the ky instance withSession wrapped. */
export function Home() {
  const { isAuthenticated, claims, logout } = useSession<Claims>();
  const [me, setMe] = useState<string>('…');
  useEffect(() => {
    api.get(ME).text().then(setMe, () => setMe('failed'));
  }, []);
  const name: string | undefined = claims?.name;
  return isAuthenticated ? <button onClick={() => void logout()}>{name} {me}</button> : <p>{me}</p>;
}
