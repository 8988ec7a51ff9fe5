/**
 * Builds the console (web/) into web/dist/, served by Itinera under /console/
 * (src/server/routes/console.ts). Nothing is loaded from another host.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
});
