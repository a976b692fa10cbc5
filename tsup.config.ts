import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    ky: 'src/ky.ts',
    fetch: 'src/fetch.ts',
    axios: 'src/axios.ts',
    react: 'src/react.ts',
  },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
  splitting: true,
  external: ['react', 'ky', 'axios', 'xstate', 'jwt-decode'],
});
