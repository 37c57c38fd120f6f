import { defineConfig } from 'vitest/config'

// The browser tier (scripts/ci/test.sh browser): the dashboard in headless Chromium against real
// clusters of real processes. Apart from the unit tier's config so that tier needs no Chromium.
export default defineConfig({
  test: {
    include: ['packages/*/browser-test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // One cluster and one browser at a time: the machine has two cores.
    fileParallelism: false
  }
})
