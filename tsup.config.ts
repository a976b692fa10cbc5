import { defineConfig, type Options } from 'tsup';

const entry = {
  index: 'src/index.ts',
  ky: 'src/ky.ts',
  fetch: 'src/fetch.ts',
  axios: 'src/axios.ts',
  react: 'src/react.ts',
  devtools: 'src/devtools.ts',
  vue: 'src/vue.ts',
  msw: 'src/msw.ts',
  dpop: 'src/dpop.ts',
  server: 'src/server.ts',
};
const common: Options = {
  entry,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
  splitting: true,
  external: ['react', 'ky', 'axios', 'xstate', 'jwt-decode', 'vue', 'msw', 'jose', 'ioredis', 'redis'],
};
/** `process.env.NODE_ENV` is decided here, per build: no file in dist/ reads `process` for it. */
const mode = (env: 'production' | 'development') => ({ 'process.env.NODE_ENV': JSON.stringify(env) });

// `npm run build` empties dist/ first (the three run at once, none may clean). Three builds (see src/machine/dev.ts):
// - dist/*.js: ESM, production messages (short codes). The `production` and `default` conditions.
// - dist/dev/*.js: ESM, the long development messages. The `development` and `node` conditions.
// - dist/*.cjs: CommonJS for `require` (Node, and TypeScript's node10 through `typesVersions`),
//   with the long messages.
// Types (.d.ts, .d.cts) come from the first and the third.
export default defineConfig([
  { ...common, format: ['esm'], dts: true, define: mode('production') },
  { ...common, format: ['cjs'], dts: true, define: mode('development') },
  { ...common, format: ['esm'], outDir: 'dist/dev', define: mode('development') },
]);
