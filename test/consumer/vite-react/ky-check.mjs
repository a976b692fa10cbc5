// Runs in the app's folder with the app's own ky (1 or 2): withSession, then kyHooks, against a
// local server. Each time the token the session holds gets a 401; the request must come back
// 200 after exactly one refresh.
import { createServer } from 'node:http';
import ky from 'ky';
import { createSession, jsonRefresh } from 'silent-session';
import { kyHooks, withSession } from 'silent-session/ky';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
let issued = 0;
const jwt = () => `${b64({ alg: 'none' })}.${b64({ sub: 'u1', jti: ++issued, exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;

let refreshes = 0;
let current = jwt();
const server = createServer((req, res) => {
  if (req.url === '/auth/refresh') {
    refreshes++;
    current = jwt();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accessToken: current, refreshToken: 'r2' }));
    return;
  }
  const ok = req.headers.authorization === `Bearer ${current}`;
  res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' }).end(ok ? 'me' : 'expired');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const session = createSession({ refresh: jsonRefresh({ url: `${origin}/auth/refresh` }), wake: false });
try {
  session.login({ accessToken: current, refreshToken: 'r1' });
  const wrapped = withSession(ky.create({ retry: 0 }), session, { origins: [origin] });
  const hooked = ky.create({ retry: 1, hooks: kyHooks(session, { origins: [origin] }) });
  for (const [name, api] of [['withSession', wrapped], ['kyHooks', hooked]]) {
    const before = refreshes;
    current = jwt(); // the server moved on: the session's token gets a 401
    const body = await api.get(`${origin}/me`).text().catch((error) => `${error.name}: ${error.message}`);
    if (body !== 'me' || refreshes !== before + 1) throw new Error(`${name}: expected "me" after 1 refresh, got "${body}" after ${refreshes - before}`);
  }
  const version = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync('node_modules/ky/package.json', 'utf8'))).version;
  console.log(`ok: ky ${version}: withSession and kyHooks each: 401 → 1 refresh → replayed 200`);
} finally {
  session.stop();
  server.close();
}
