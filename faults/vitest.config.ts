import { defineConfig } from 'vitest/config'

// The fault suite: one file, cases in order (they share one topology), never in parallel.
export default defineConfig({
  test: {
    include: ['faults/suite.test.ts'],
    root: new URL('..', import.meta.url).pathname,
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks'
  }
})
