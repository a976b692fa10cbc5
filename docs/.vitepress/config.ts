import { defineConfig } from 'vitepress';

// The docs site: `npm run docs` (dev server on 127.0.0.1) and `npm run docs:build` (offline:
// local search, no analytics, no fonts or scripts from elsewhere). The API pages under api/ are
// generated from the TSDoc by `npm run docs:api` (typedoc + typedoc-plugin-markdown) and are not
// committed. A link to a page that does not exist fails the build (VitePress's dead-link check);
// test/docs.test.ts checks every relative link and anchor of README.md and docs/ without a build.

/** The package's entries, as the API reference names its pages (api/<entry>.md). */
const entries = ['silent-session', 'silent-session/fetch', 'silent-session/ky', 'silent-session/axios', 'silent-session/react', 'silent-session/devtools', 'silent-session/vue', 'silent-session/msw', 'silent-session/dpop', 'silent-session/server'];

export default defineConfig({
  title: 'silent-session',
  description: 'Silent token refresh that stays correct under every race: an XState statechart owns the session; ky, fetch and axios adapters queue and replay requests.',
  lang: 'en',
  cleanUrls: true,
  lastUpdated: false,
  // the README's screenshots live next to these pages; nothing else is served from here
  srcExclude: ['**/node_modules/**'],
  vite: { server: { host: '127.0.0.1' } },
  themeConfig: {
    search: { provider: 'local' },
    outline: [2, 3],
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Recipes', link: '/recipes/data-clients' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Overview', link: '/' },
          { text: 'Getting started', link: '/getting-started' },
          { text: 'HTTP clients', link: '/clients' },
          { text: 'React', link: '/react' },
          { text: 'Vue', link: '/vue' },
          { text: 'Several tabs', link: '/tabs' },
          { text: 'Session lifetime', link: '/lifetime' },
          { text: 'Testing your app', link: '/testing' },
          { text: 'Sender-constrained tokens (DPoP)', link: '/dpop' },
          { text: 'The server half', link: '/server' },
        ],
      },
      {
        text: 'Guides',
        items: [{ text: 'Replacing a hand-written interceptor', link: '/guides/replacing-interceptors' }],
      },
      {
        text: 'Recipes',
        items: [
          { text: 'Data clients', link: '/recipes/data-clients' },
          { text: 'Stores (Pinia, Zustand, Redux)', link: '/recipes/stores' },
          { text: 'Routing and auth providers', link: '/recipes/routing' },
          { text: 'OIDC providers', link: '/recipes/oidc-providers' },
          { text: 'Login libraries', link: '/recipes/login-libraries' },
          { text: 'Cookie mode', link: '/recipes/cookie-mode' },
          { text: 'Your backend’s shape', link: '/recipes/backend-shapes' },
          { text: 'Revocation', link: '/recipes/revocation' },
          { text: 'Streams (Server-Sent Events)', link: '/recipes/streams' },
        ],
      },
      {
        text: 'How it works',
        items: [
          { text: 'The statechart', link: '/statechart' },
          { text: 'Guarantees', link: '/guarantees' },
          { text: 'Security', link: '/security' },
          { text: 'What hand-written interceptors get wrong', link: '/comparison' },
          { text: 'Benchmarks', link: '/benchmarks' },
        ],
      },
      {
        text: 'Tools',
        items: [
          { text: 'Debugging with the Stately Inspector', link: '/debugging' },
          { text: 'Storybook scenarios', link: '/storybook' },
          { text: 'Development', link: '/development' },
          { text: 'Messages in production builds', link: '/messages' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Options and kinds at a glance', link: '/reference' },
          {
            text: 'API (generated from the TSDoc)',
            link: '/api/',
            collapsed: false,
            items: entries.map((entry) => ({ text: entry, link: `/api/${entry}` })),
          },
        ],
      },
    ],
  },
});
