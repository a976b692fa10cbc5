import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { base, ME } from './api';

// The same app without silent-session: the size the library is measured against.
function App() {
  const [me, setMe] = useState<string>('…');
  useEffect(() => {
    base.get(ME).text().then(setMe, () => setMe('failed'));
  }, []);
  return <p>{me}</p>;
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />);
