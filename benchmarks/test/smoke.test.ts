import { execFile } from 'node:child_process'
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// The benchmark's smoke test: a tiny quick run (one short single-node cell against its baseline,
// and the documents slot) must produce a well-formed results file, with the load generator's CPU
// on every row, and nothing under results/. It checks shape, never speed. The runner is the
// compiled one (benchmarks/dist, built by the tier's tsc -b).

const RUNNER = fileURLToPath(new URL('../dist/run.js', import.meta.url))
const run = promisify(execFile)

interface Entry {
  id: string
  group: string
  status: 'ok' | 'skipped' | 'failed'
  reason?: string
  reqPerSec?: number
  latencyMs?: Record<string, number>
  errors?: number
  serverCpuPct?: number
  serverRssMiB?: number
  clientCpuPct?: number
  clientBound?: boolean
  tool?: string
}

interface Results {
  schema: number
  mode: string
  machine: { cores: number; memGiB: number }
  versions: Record<string, string | null>
  pinning: { enabled: boolean; note: string }
  settings: Record<string, unknown>
  entries: Entry[]
  targets: Array<{ id: string; name: string; goal: string; value: number | null; met: boolean | null }>
}

const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x)

describe('pnpm bench --quick (smoke)', () => {
  let out = ''
  afterAll(async () => {
    if (out !== '') await rm(out, { recursive: true, force: true })
  })

  it('writes valid JSON, RESULTS.md and charts for a tiny subset', async () => {
    out = await mkdtemp(join(tmpdir(), 'swarmkv-bench-smoke-'))
    const { stdout } = await run(process.execPath, [
      RUNNER, '--quick', '--only', 'single-put-100b,documents', '--duration', '2', '--key-space', '2000', '--out', out
    ], { timeout: 50_000 })

    const result = JSON.parse(await readFile(join(out, 'quick.json'), 'utf8')) as Results
    // A quick run never writes results/ (that holds the latest full run and the history).
    await expect(access(join(out, 'results'))).rejects.toThrow()
    expect(result.schema).toBe(2)
    expect(result.mode).toBe('quick')
    expect(finite(result.machine.cores)).toBe(true)
    expect(typeof result.versions.node).toBe('string')
    expect(typeof result.pinning.note).toBe('string')

    const ok = result.entries.filter((e) => e.status === 'ok')
    expect(ok.filter((e) => e.group === 'single').map((e) => e.id).sort()).toEqual(['single-put-100b/p1/fastify-map', 'single-put-100b/p1/swarmkv'])
    for (const e of ok) {
      expect(e.reqPerSec !== undefined && finite(e.reqPerSec) && e.reqPerSec > 0, `${e.id} req/s`).toBe(true)
      for (const p of ['p50', 'p90', 'p99']) expect(finite(e.latencyMs?.[p]), `${e.id} ${p}`).toBe(true)
      expect(finite(e.errors), `${e.id} errors`).toBe(true)
      expect(finite(e.serverCpuPct), `${e.id} cpu`).toBe(true)
      expect(finite(e.serverRssMiB), `${e.id} rss`).toBe(true)
      expect(finite(e.clientCpuPct) && (e.clientCpuPct ?? 0) > 0, `${e.id} generator cpu`).toBe(true)
      expect(typeof e.clientBound, `${e.id} client-bound flag`).toBe('boolean')
    }
    // The throughput cells run on wrk where it is installed, else on several autocannon processes;
    // the bench tier installs wrk and asks for it (SWARMKV_BENCH_TOOL=wrk).
    const expected = process.env.SWARMKV_BENCH_TOOL ?? (result.versions.wrk === null ? 'autocannon-workers' : 'wrk')
    const tools = ok.filter((e) => e.group === 'single').map((e) => e.tool)
    expect(tools).toEqual([expected, expected])
    expect(stdout).toMatch(/single-put-100b p1 swarmkv .* (wrk|autocannon-workers) cpu [\d.]+%/)
    // The documents slot either ran or says why not, in the results and on stdout.
    const docs = result.entries.find((e) => e.group === 'documents')
    expect(docs?.status === 'ok' || docs?.status === 'skipped').toBe(true)
    if (docs?.status === 'skipped') {
      expect(docs.reason).toContain('documents API not available')
      expect(stdout).toContain('documents API not available')
    }

    const ratio = result.targets.find((t) => t.id === 'put-100b-vs-map')
    expect(ratio?.value !== null && finite(ratio?.value)).toBe(true)
    for (const t of result.targets) expect(typeof t.goal).toBe('string')

    const md = await readFile(join(out, 'RESULTS.md'), 'utf8')
    expect(md).toContain('# swarmkv write-load benchmarks')
    expect(md).toContain('Generator CPU')
    expect((await stat(join(out, 'charts', 'throughput.svg'))).size).toBeGreaterThan(1000)
  })
})
