import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster, SWARMKV_BIN, freeTcpPort, nodeLaunchOf as testkitNodeLaunchOf } from '@swarmkv/testkit'
import { UsageError } from '../src/args.js'
import { DEFAULT_RECENT_OPS_BYTES } from '@swarmkv/replication'
import { DEFAULT_HEAP_GROWTH_PERCENT, DEFAULT_LEVEL_CACHE_MIB, DEFAULT_LEVEL_WRITE_BUFFER_MIB, memorySettings, missingLaunchSettings } from '../src/memory.js'
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

describe('a node started without the bin\'s #! settings', () => {
  const launch = { env: { MALLOC_ARENA_MAX: '2' }, flags: ['--max-semi-space-size=8'] }

  it('names what it misses: flags by name (any value was chosen), variables by value', () => {
    expect(missingLaunchSettings(launch, ['--max-semi-space-size=8'], { MALLOC_ARENA_MAX: '2' })).toEqual([])
    expect(missingLaunchSettings(launch, ['--max-semi-space-size=16'], { MALLOC_ARENA_MAX: '2' })).toEqual([])
    expect(missingLaunchSettings(launch, [], { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=8 --trace-gc' })).toEqual([])
    expect(missingLaunchSettings(launch, [], {})).toEqual(['--max-semi-space-size=8', 'MALLOC_ARENA_MAX=2'])
    expect(missingLaunchSettings(launch, ['--max-semi-space-size=8'], { MALLOC_ARENA_MAX: '8' })).toEqual(['MALLOC_ARENA_MAX=2'])
  })

  it('warns on stderr when run as `node BIN start`, and not when the bin runs itself; a SIGTERM right after its ready line closes it cleanly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skv-launch-'))
    const run = async (cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> => {
      const port = await freeTcpPort()
      const child = spawn(cmd, [...args, 'start', '--http', `127.0.0.1:${port}`, '--data', join(dir, String(port))], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      child.stderr.on('data', (b: Buffer) => { err += b.toString() })
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('listening on')) resolve() })
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)))
      })
      // 'close', not 'exit': stderr's last bytes may arrive after the process is gone.
      const closed = new Promise((r) => child.once('close', r))
      child.kill('SIGTERM')
      await closed
      // Stopped at once after its ready line, it still closed cleanly (its stop listener was on).
      expect(out).toMatch(/node stopped/)
      return err
    }
    try {
      const env = { ...process.env }
      delete env.MALLOC_ARENA_MAX
      delete env.NODE_OPTIONS
      const plain = await run(process.execPath, [SWARMKV_BIN], env)
      expect(plain).toMatch(/warning: started without --max-semi-space-size=8 MALLOC_ARENA_MAX=2 from the bin's #! line/)
      const itself = await run(SWARMKV_BIN, [], env)
      expect(itself).not.toMatch(/warning: started without/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
