import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Several tests spawn Node children or start servers; on a loaded 2-CPU machine the
    // default 5 s is not enough for a child to start, so a slow start is not a failure.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
