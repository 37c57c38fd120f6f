import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCase, type CaseReport } from './src/case.js'
import { NEMESES } from './src/nemeses.js'
import { writeReport } from './src/report.js'
import { ROOT } from './src/topology.js'

// Run by faults/run.sh inside the topology's core namespace (`pnpm test:faults`), never by the unit tier.
const SEEDS = Number(process.env.FAULTS_SEEDS ?? 2)
const ONLY = process.env.FAULTS_ONLY?.split(',').filter((s) => s !== '')
const RESULTS = process.env.FAULTS_RESULTS ?? join(ROOT, 'faults/results')

describe('fault suite', () => {
  const cases: CaseReport[] = []
  const startedAt = new Date()

  afterAll(async () => {
    const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).toString().trim()
    await writeReport(RESULTS, {
      commit, startedAt: startedAt.toISOString(), seeds: SEEDS, durationMs: Date.now() - startedAt.getTime(),
      wanLatency: process.env.FAULTS_WAN ?? 'off'
    }, cases)
  })

  for (const nemesis of NEMESES.filter((n) => ONLY === undefined || ONLY.includes(n.name))) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      it(`${nemesis.name}, seed ${seed}: every checker passes`, async () => {
        const report = await runCase(nemesis, seed)
        cases.push(report)
        process.stdout.write(`${nemesis.name} seed ${seed}: ${JSON.stringify(report.ops)} converged after ${report.convergedAfterMs} ms; errors ${JSON.stringify(report.errors)}; ` +
          `${report.checks.map((c) => `${c.checker}=${c.ok ? 'ok' : 'FAIL'}/${c.checked}`).join(', ')}\n`)
        expect(report.checks.filter((c) => !c.ok)).toEqual([])
        // A checker that judged nothing proves nothing: the workload must give each something to judge.
        expect(report.checks.filter((c) => c.checked === 0).map((c) => c.checker)).toEqual([])
      }, 240_000)
    }
  }
})
