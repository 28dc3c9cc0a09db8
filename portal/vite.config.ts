/// <reference types="vitest/config" />
// The portal's build: served by the server at /portal (web/portal.py), so every asset URL starts
// there, and the bundle lands in ../web/static/portal, which is committed. The same sources and
// lock file give the same bytes (content-hashed names, no timestamps): CI rebuilds and diffs.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/portal/',
  plugins: [react()],
  build: {
    outDir: '../web/static/portal',
    emptyOutDir: true,
    // No inline polyfill script: the page's CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
  },
});
