import { defineConfig } from 'vitest/config'

/** The monitoring tier's real-node checks (scripts/ci/monitoring.sh runs them once promtool is installed). */
export default defineConfig({
  test: {
    include: ['packages/cli/test-monitoring/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks'
  }
})
