import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The cross-process tests spawn Node children: keep files one at a time on the shared 2 CPUs.
    fileParallelism: false,
  },
});
