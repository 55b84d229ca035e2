import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One redis-server, one 3-master Cluster and one Sentinel setup per run, shared by the files.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
