import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The dashboard build: a static page with relative asset paths, so it can be hosted under any path. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
});
