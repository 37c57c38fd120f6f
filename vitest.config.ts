import { defineConfig } from 'vitest/config'

/**
 * The cluster tier's files (vitest.cluster.config.ts): clusters of real node processes, SIGKILLed
 * and restarted, about 230 s of tests between them. Apart, the unit tier stays a few minutes.
 */
export const CLUSTER_TESTS = ['packages/cli/test/crash.test.ts', 'packages/cli/test/replication.test.ts', 'packages/cli/test/docs-replication.test.ts']

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...CLUSTER_TESTS],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time: most of them wait on real processes and sockets rather than the CPU,
    // and vitest's default (one fewer than the cores) ran the unit tier one file at a time on 2 cores
    // (355 s of wall time for 294 s of tests on a clean clone).
    maxWorkers: 2
  }
})
