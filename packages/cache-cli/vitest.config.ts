import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests run the built bin: build it first when src/ is newer than dist/.
    globalSetup: ['test/helpers/build-once.ts'],
    // Each test spawns Node children and starts servers; on a loaded 2-CPU machine
    // the default 5 s is not enough for a child to start.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
