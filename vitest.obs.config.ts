import { defineConfig } from 'vitest/config'

/** The obs tier: real-process tests of lag, roles and read-only (scripts/ci/test.sh obs). */
export default defineConfig({
  test: {
    include: ['packages/cli/test-obs/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks'
  }
})
