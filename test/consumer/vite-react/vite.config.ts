import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// ENTRY picks the page: baseline (no library), app (hooks + withSession), debug (+ the debug view).
const entry = process.env.ENTRY ?? 'app';

export default defineConfig({
  plugins: [react()],
  build: { outDir: `dist-${entry}`, emptyOutDir: true, reportCompressedSize: false, rolldownOptions: { input: `${entry}.html` } },
});
