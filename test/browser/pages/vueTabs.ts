import { createApp, defineComponent, h } from 'vue';
import { broadcastSync, createSession, jsonRefresh, webLocks, webStorage } from '../../../src/index.js';
import { sessionPlugin, useSession } from '../../../src/vue.js';

// One tab of the Vue cross-tab test: a small Vue app on silent-session/vue, its session on the
// real auth server (same origin), sharing localStorage, a BroadcastChannel and a Web Lock with
// the other pages of the browser context. The test reads what Vue rendered.
const session = createSession({
  refresh: jsonRefresh({ url: '/refresh' }),
  storage: webStorage(localStorage, { key: 'vue-session' }),
  sync: broadcastSync('vue-tabs'),
  lock: webLocks('vue-tabs'),
  retry: { attempts: 0 },
});

const App = defineComponent({
  setup() {
    const { status, claims, login, logout, refresh } = useSession();
    const signIn = async () => {
      const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username: 'vera' }) });
      login(await res.json());
    };
    return () =>
      h('main', [
        h('p', { id: 'status' }, status.value),
        h('p', { id: 'user' }, String(claims.value?.sub ?? '—')),
        // the token's id changes with every token: it shows which token this tab holds
        h('p', { id: 'jti' }, String(claims.value?.jti ?? '—')),
        h('button', { id: 'login', onClick: signIn }, 'Log in'),
        h('button', { id: 'refresh', onClick: () => void refresh().catch(() => {}) }, 'Refresh'),
        h('button', { id: 'logout', onClick: () => void logout() }, 'Log out'),
      ]);
  },
});

createApp(App).use(sessionPlugin(session)).mount('#app');
