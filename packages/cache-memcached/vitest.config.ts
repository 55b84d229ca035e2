import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The conformance files mostly sleep through TTLs: run them side by side.
    maxWorkers: 4,
  },
});
