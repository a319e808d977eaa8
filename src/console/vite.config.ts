// Builds the run console (`npm run build:console`) into dist/console at the repository root,
// which src/server/console.ts serves at /console.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

export default defineConfig({
  root: here,
  // Asset URLs are absolute under /console/, so index.html works at any client route's depth.
  base: '/console/',
  plugins: [react()],
  resolve: {
    // The SDK's sources, not its build: the console is built (by postinstall, and by the browser
    // tests) from the same checkout, without depending on sdk/dist being fresh.
    alias: { '@flowdeck/sdk': resolve(repo, 'sdk/src/sdk.ts') },
  },
  // `npm run dev:console`: hot reload, with the API of a server started by `npm start`.
  server: {
    proxy: { '/graphql': { target: process.env.FLOWDECK_URL ?? 'http://127.0.0.1:8000', ws: true } },
  },
  build: {
    outDir: resolve(repo, 'dist/console'),
    emptyOutDir: true,
    // Served with a Content-Security-Policy that allows no inline script or style.
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // Libraries change less often than the console: their chunks stay cached across releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 20 },
            { name: 'graphql', test: /node_modules[\\/](graphql|graphql-ws|graphql-sse|urql|@urql|wonka)[\\/]/, priority: 15 },
            { name: 'vendor', test: /node_modules/, priority: 10 },
          ],
        },
      },
    },
  },
  logLevel: 'warn',
});
