import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // Tests start redis-server and spawn Node children; on a loaded 2-CPU machine a child
    // can take several seconds to start, so a slow start is not a failure.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
