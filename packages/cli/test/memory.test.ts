import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster, SWARMKV_BIN, nodeLaunchOf as testkitNodeLaunchOf } from '@swarmkv/testkit'
import { UsageError } from '../src/args.js'
import { DEFAULT_RECENT_OPS_BYTES } from '@swarmkv/replication'
import { DEFAULT_HEAP_GROWTH_PERCENT, DEFAULT_LEVEL_CACHE_MIB, DEFAULT_LEVEL_WRITE_BUFFER_MIB, memorySettings } from '../src/memory.js'
import { nodeLaunchOf } from '@swarmkv/core/node-launch'

const MiB = 1024 * 1024

describe('memory settings of swarmkv start', () => {
  it('default to the named constants and take MiB and percent', () => {
    expect(memorySettings({})).toEqual({
      levelCacheBytes: DEFAULT_LEVEL_CACHE_MIB * MiB, levelWriteBufferBytes: DEFAULT_LEVEL_WRITE_BUFFER_MIB * MiB,
      recentOpsBytes: DEFAULT_RECENT_OPS_BYTES, heapGrowthPercent: DEFAULT_HEAP_GROWTH_PERCENT
    })
    expect(memorySettings({ 'leveldb-cache-mib': '64', 'leveldb-write-buffer-mib': '2', 'heap-growth-percent': '0', 'replication-buffer-mib': '0' }))
      .toEqual({ levelCacheBytes: 64 * MiB, levelWriteBufferBytes: 2 * MiB, recentOpsBytes: 0, heapGrowthPercent: 0 })
  })

  it('refuse what is not a size', () => {
    for (const bad of [{ 'leveldb-cache-mib': '0' }, { 'leveldb-cache-mib': '-1' }, { 'leveldb-write-buffer-mib': '1.5' }, { 'leveldb-write-buffer-mib': '0' }, { 'heap-growth-percent': '301' }, { 'heap-growth-percent': 'x' }]) {
      expect(() => memorySettings(bad), JSON.stringify(bad)).toThrow(UsageError)
    }
  })
})

describe("the bin's node flags", () => {
  let dir: string
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'skv-flags-')) })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('are read from its #! line, by the CLI and the testkit alike', async () => {
    expect(nodeLaunchOf(SWARMKV_BIN)).toEqual({ env: { MALLOC_ARENA_MAX: '2' }, flags: ['--max-semi-space-size=8'] })
    expect(testkitNodeLaunchOf(SWARMKV_BIN)).toEqual(nodeLaunchOf(SWARMKV_BIN))
    const cases: Array<[string, { env: Record<string, string>; flags: string[] }]> = [
      ['#!/usr/bin/env node\n', { env: {}, flags: [] }],
      ['#!/usr/bin/env -S node --a=1 --b\n', { env: {}, flags: ['--a=1', '--b'] }],
      ['#!/usr/bin/env -S A=1 B_2=x node\n', { env: { A: '1', B_2: 'x' }, flags: [] }],
      ['// no shebang\n', { env: {}, flags: [] }]
    ]
    for (const [first, launch] of cases) {
      const f = join(dir, 'script.js')
      await writeFile(f, `${first}console.log(1)\n`)
      expect(nodeLaunchOf(f)).toEqual(launch)
      expect(testkitNodeLaunchOf(f)).toEqual(launch)
    }
  })

  it('hold in a started node: its young generation stays at 2 x 8 MiB under requests (V8 grows it to 2 x 16 MiB without them)', async () => {
    const c = await Cluster.start({ secret: null, nodes: [{ name: 'solo' }] })
    try {
      const url = c.node('solo').url
      // Enough requests for V8 to grow the young generation to its limit.
      for (let round = 0; round < 20; round++) {
        await Promise.all(Array.from({ length: 50 }, async (_, i) => {
          const res = await fetch(`${url}/kv/m${round}-${i}`, { method: 'PUT', body: 'x'.repeat(100) })
          await res.arrayBuffer()
        }))
      }
      const text = await (await fetch(`${url}/metrics`)).text()
      const m = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)/m.exec(text)
      expect(m, 'the new space gauge').not.toBeNull()
      expect(Number(m![1])).toBeLessThanOrEqual(16 * MiB)
    } finally {
      await c.stop()
    }
  }, 60_000)
})
