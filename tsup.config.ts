import { defineConfig } from 'tsup';

// ESM (.js + .d.ts) for bundlers and `import`; CommonJS (.cjs + .d.cts) for `require` and for
// TypeScript projects still on `moduleResolution: node` (node10), which read `typesVersions`.
export default defineConfig({
  entry: {
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
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
  splitting: true,
  external: ['react', 'ky', 'axios', 'xstate', 'jwt-decode', 'vue', 'msw', 'jose', 'ioredis', 'redis'],
});
