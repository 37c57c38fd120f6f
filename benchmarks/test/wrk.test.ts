import { describe, expect, it } from 'vitest'
import { parseWrkJson, wrkLoadResult, WRK_PIPELINED_LATENCY } from '../src/lib/wrk.js'
import { combine } from '../src/lib/loadgen-client.js'
import { aggregate } from '../src/lib/measure.js'
import { renderReport } from '../src/report.js'
import type { Entry, Result, Run } from '../src/lib/types.js'

// The median run of the pipelined PUT 100 B swarmkv cell of the 2026-12-01 run (results/latest.json):
// wrk's corrected histogram gave p90 and p99 of 0 beside a p50 of 140.7 ms and a mean of 68.4 ms below
// it (src/lib/wrk.ts WRK_PIPELINED_LATENCY says why).
const PIPELINED = 'Running 10s test\nWRK-JSON {"requests":46486,"durationUs":10000000,"connectErrors":0,"readErrors":0,"writeErrors":0,' +
  '"statusErrors":0,"timeouts":0,"p50":140740,"p90":0,"p99":0,"mean":68377.0,"max":466326}\n'
const PLAIN = 'WRK-JSON {"requests":33990,"durationUs":10000000,"connectErrors":1,"readErrors":2,"writeErrors":0,' +
  '"statusErrors":4,"timeouts":3,"p50":11700,"p90":43400,"p99":95800,"mean":15000.5,"max":210000}\n'

function result(entries: Entry[]): Result {
  return {
    schema: 2, mode: 'full', startedAt: '2026-12-01T13:30:00.000Z', finishedAt: '2026-12-01T13:50:00.000Z', elapsedS: 1200, command: 'x',
    machine: { hostname: 'h', platform: 'linux x64', kernel: 'k', cpuModel: 'c', cores: 2, memGiB: 1, loadAvg: [1, 1, 1], stealPct: 0 },
    versions: { gitRev: 'abc1234' }, pinning: { enabled: true, cores: 2, note: 'pinned' },
    settings: { connections: 50, pipelinings: [1, 10], durationS: 10, warmupS: 2, repeats: 3, keySpace: 100_000, lagProbeRate: 100 },
    entries, targets: []
  }
}

const run = (stdout: string, pipelining: number): Run => {
  const json = parseWrkJson(stdout)
  if (json === undefined) throw new Error('no WRK-JSON line')
  return { ...wrkLoadResult(json, pipelining), serverCpuPct: 95, serverRssMiB: 180, clientCpuPct: 10, serverCoreOtherPct: 1, tool: 'wrk' }
}

const cell = (id: string, pipelining: number, r: Run): Entry => ({
  id, group: 'single', status: 'ok', title: 'PUT 100 B, random key', system: id.split('/')[2], settings: { pipelining }, ...aggregate([r, r, r])
})

describe('wrk figures', () => {
  it('turns a plain run into ms and counts errors, timeouts and statuses apart', () => {
    const r = run(PLAIN, 1)
    expect(r.latencyMs).toEqual({ p50: 11.7, p90: 43.4, p99: 95.8, mean: 15.0005, max: 210 })
    expect(r.latencyNotMeasured).toBeUndefined()
    expect(r).toMatchObject({ requests: 33990, durationS: 10, reqPerSec: 3399, errors: 3, timeouts: 3, non2xx: 4 })
  })

  it('reports a pipelined run\'s latency as not measured, never as the 0 wrk gave', () => {
    const r = run(PIPELINED, 10)
    expect(r.reqPerSec).toBeCloseTo(4649, 0)
    for (const v of Object.values(r.latencyMs)) expect(Number.isNaN(v)).toBe(true)
    expect(r.latencyNotMeasured).toBe(WRK_PIPELINED_LATENCY)
    // The reason survives the sum over several wrk processes and the median of the repeats.
    const both = combine([r, run(PIPELINED, 10)])
    expect(both.latencyNotMeasured).toBe(WRK_PIPELINED_LATENCY)
    expect(aggregate([{ ...r, tool: 'wrk' }]).latencyNotMeasured).toBe(WRK_PIPELINED_LATENCY)
    // In the results file it is null (JSON has no NaN), not 0.
    expect(JSON.parse(JSON.stringify(aggregate([r])))).toMatchObject({ latencyMs: { p50: null, p90: null, p99: null } })
  })

  it('RESULTS.md says "not measured" in the pipelined cells, and why, and keeps the plain figures', () => {
    const md = renderReport(result([
      cell('single-put-100b/p1/swarmkv', 1, run(PLAIN, 1)),
      cell('single-put-100b/p10/swarmkv', 10, run(PIPELINED, 10))
    ]), [])
    const rows = md.split('\n').filter((l) => l.startsWith('| PUT 100 B, random key'))
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('| 3,399 | 11.7 | 43.4 | 95.8 |')
    expect(rows[1]).toContain('(pipelining 10) | swarmkv | 4,649 | not measured | not measured | not measured |')
    expect(rows[1]).not.toMatch(/\| 0\.00 \|/)
    expect(md).toContain(`Latency ${WRK_PIPELINED_LATENCY}.`)
  })
})
