import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Service-backed tests (MinIO, Temporal, n8n, Chromium) start processes and move real data.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: files run in parallel forks, but not more than the machine can feed.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
