import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is served by `winnow serve` at `/` next to the API, so asset URLs are absolute and the API same-origin.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Explore is in the first chunk, every other screen a chunk loaded on first use (app.tsx); the warning is for real bloat.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev:web` against a running `winnow serve` on its default port.
    proxy: { '/v1': 'http://127.0.0.1:7878', '/openapi.json': 'http://127.0.0.1:7878' },
  },
});
