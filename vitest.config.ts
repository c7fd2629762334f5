import { defineConfig } from 'vitest/config';

// Tests import the TypeScript sources directly; end-to-end tests run the built CLI in dist/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Load tests measure time: two cores cannot run several of them at once without noise.
    fileParallelism: false,
    reporters: ['default'],
  },
});
