import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time: most of them wait on real processes and sockets rather than the CPU,
    // and vitest's default (one fewer than the cores) ran the unit tier one file at a time on 2 cores
    // (355 s of wall time for 294 s of tests on a clean clone).
    maxWorkers: 2
  }
})
