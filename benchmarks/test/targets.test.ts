import { describe, expect, it } from 'vitest'
import { evaluateTargets } from '../src/lib/targets.js'
import { historyRow } from '../src/lib/history.js'
import { judgeRss } from '../src/scenarios/growth.js'
import type { Entry, GrowthWindow, Result } from '../src/lib/types.js'

// The target verdicts are pure functions of a results file: a client-bound or noisy baseline must
// not count, and the growth memory must be under budget and flat.

const cell = (id: string, reqPerSec: number, over: Partial<Entry> = {}): Entry => ({
  id, group: 'single', status: 'ok', reqPerSec, serverCpuPct: 95, clientCpuPct: 40, clientCpuMaxPct: 45, serverCoreOtherPct: 2, ...over
})

const windows = (rss: number[]): GrowthWindow[] => rss.map((rssMiB, i) => ({ tS: (i + 1) * 10, ops: (i + 1) * 1000, reqPerSec: 1000, rssMiB, dataDirMiB: 1, serverCoreOtherPct: 0 }))

function result(entries: Entry[]): Result {
  return {
    schema: 2, mode: 'full', startedAt: '2026-12-01T13:30:00.000Z', finishedAt: '2026-12-01T13:50:00.000Z', elapsedS: 1200, command: 'x',
    machine: { hostname: 'h', platform: 'linux x64', kernel: 'k', cpuModel: 'c', cores: 2, memGiB: 1, loadAvg: [1, 1, 1], stealPct: 0 },
    versions: { gitRev: 'abc1234' }, pinning: { enabled: true, cores: 2, note: 'pinned' },
    settings: { connections: 50, pipelinings: [1], durationS: 10, warmupS: 2, repeats: 3, keySpace: 100_000, lagProbeRate: 100 },
    entries, targets: []
  }
}

describe('issue 16 targets', () => {
  it('divides swarmkv by the bare route, and voids a ratio whose generator or server core was not the server\'s', () => {
    const t = evaluateTargets(result([
      cell('single-put-100b/p1/swarmkv', 30_000), cell('single-put-100b/p1/fastify-map', 50_000),
      cell('single-put-1k/p1/swarmkv', 20_000), cell('single-put-1k/p1/fastify-map', 50_000, { clientCpuMaxPct: 92 }),
      cell('single-get/p1/swarmkv', 40_000, { serverCoreOtherPct: 35 }), cell('single-get/p1/fastify-map', 50_000)
    ]))
    const by = (id: string) => t.find((x) => x.id === id)
    expect(by('put-100b-vs-map')).toMatchObject({ value: 0.6, met: true })
    expect(by('put-1k-vs-map')).toMatchObject({ value: 0.4, met: null })
    expect(by('put-1k-vs-map')?.note).toContain('92 %')
    expect(by('get-vs-map')).toMatchObject({ value: 0.8, met: null })
    expect(by('get-vs-map')?.note).toContain('35 %')
    expect(by('lag-paced')).toMatchObject({ value: null, met: null })
  })

  it('gives the GET ratio to the bare route answering at the end of the turn beside the target, without judging by it', () => {
    const t = evaluateTargets(result([
      cell('single-get/p1/swarmkv', 40_000, { serverUsPerReq: 50 }), cell('single-get/p1/fastify-map', 20_000, { serverUsPerReq: 100 }),
      cell('single-get/p1/fastify-map-turn-end', 50_000, { serverUsPerReq: 40 })
    ])).find((x) => x.id === 'get-vs-map')
    expect(t).toMatchObject({ value: 2, met: true })
    expect(t?.note).toContain('against the bare route answering at the end of the turn too: 0.8x (per server CPU 0.8x, 40 µs/req)')
  })

  it('meets the lag target only under 60 % of the core, p50 <= 2 ms and p99 <= 20 ms', () => {
    const lag = (p50: number, p99: number, cpu: number): Entry => ({
      id: 'cluster-lag/paced/swarmkv-cluster', group: 'cluster', status: 'ok', load: 'paced', serverCpuPct: cpu, serverCoreOtherPct: 3,
      underCpuLimit: cpu < 60, backgroundReqPerSec: 500, lagMs: { all: { n: 10, p50, p90: p99, p99, max: p99, mean: p50 }, byTarget: {} }
    })
    const verdict = (e: Entry) => evaluateTargets(result([e])).find((x) => x.id === 'lag-paced')
    expect(verdict(lag(1.5, 18, 55))).toMatchObject({ value: 1.5, value2: 18, met: true })
    expect(verdict(lag(1.5, 25, 55))?.met).toBe(false)
    expect(verdict(lag(1.5, 18, 70))?.met).toBe(false)
  })

  it('judges the growth RSS by its peak against 200 MiB and by the last window against the second half', () => {
    expect(judgeRss(windows([120, 150, 160, 158, 161, 159]), 170)).toMatchObject({ peakMiB: 170, lastMiB: 159, flat: true, underBudget: true })
    expect(judgeRss(windows([120, 140, 160, 180, 200, 230]), 230).flat).toBe(false)
    expect(judgeRss(windows([190, 195, 196, 195]), 210).underBudget).toBe(false)
  })

  it('keeps one history row per run with the target figures and the highest generator CPU', () => {
    const growth: Entry = { id: 'growth/p1/swarmkv', group: 'growth', status: 'ok', serverRssMiB: 180, windows: windows([150, 170, 175, 176]), clientCpuPct: 47 }
    const row = historyRow(result([cell('single-put-100b/p1/swarmkv', 30_000), cell('single-put-100b/p1/fastify-map', 50_000, { clientCpuMaxPct: 85 }), growth]))
    expect(row).toMatchObject({ startedAt: '2026-12-01T13:30:00.000Z', commit: 'abc1234', generatorCpuMaxPct: 85, clientBoundCells: 1 })
    expect(row.figures['put-100b-vs-map']).toBe(0.6)
    expect(row.met['put-100b-vs-map']).toBeNull()
    expect(row.figures['growth-rss']).toBe(180)
    expect(row.figures['growth-rss/2']).toBe(176)
    expect(row.met['growth-rss']).toBe(true)
  })
})
