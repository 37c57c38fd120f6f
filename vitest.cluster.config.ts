import { defineConfig } from 'vitest/config'
import { CLUSTER_TESTS } from './vitest.config.js'

/** The cluster tier: real-process clusters, crashes and restarts (scripts/ci/test.sh cluster). */
export default defineConfig({
  test: {
    include: CLUSTER_TESTS,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2
  }
})
