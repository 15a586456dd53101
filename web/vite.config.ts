/**
 * The playground is a static page: Vite bundles pageframe's core, the examples (as raw text) and
 * the chart library into web/dist, with relative paths so the page works from any folder, offline.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One chunk of core, views and chart library; no request leaves the page's folder.
    chunkSizeWarningLimit: 2048,
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    fs: { allow: [repoRoot] },
  },
  preview: {
    host: '127.0.0.1',
  },
});
