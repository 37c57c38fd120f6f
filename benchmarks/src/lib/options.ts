import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

/** benchmarks/: this file runs as benchmarks/dist/lib/options.js. */
export const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')

export const HELP = `swarmkv write-load benchmarks

  pnpm bench [options]        (or: swarmkv bench [options], node benchmarks/dist/run.js [options])
  pnpm bench:quick            the same as pnpm bench --quick

  --quick              smoke run: short runs, one repeat, far fewer growth ops (under 3 minutes);
                       writes only to benchmarks/quick-run/ (never to results/)
  --only a,b           run only scenarios whose id starts with one of these prefixes:
                       single (single-put-100b, single-put-1k, single-get, single-mix), peer
                       (peer-redis, peer-etcd), cluster, documents, growth
  --duration S         seconds per measured run (full 10, quick 3)
  --repeats N          measured runs per cell; the median is reported (full 3, quick 1)
  --connections N      connections of the load generator (50)
  --pipelining 1,10    pipelining factors for the single-node matrix (full 1,10; quick 1)
  --key-space N        random keys are drawn from N keys (100000)
  --growth-ops N       operations in the growth scenario (full 1000000, quick 20000)
  --window S           growth window in seconds (full 10, quick 2)
  --lag-probe-rate N   probe writes per second in the replication lag runs (100)
  --load-tool T        the single-node throughput generator: wrk (default when installed) or
                       autocannon (several autocannon processes)
  --out DIR            where RESULTS.md, charts/ and results/ go (full: benchmarks/);
                       a quick run writes quick.json, RESULTS.md and charts/ to benchmarks/quick-run/
  --no-pin             do not pin servers and load generators to cores
  --no-charts          skip the SVG charts
  --report-only FILE   render RESULTS.md and charts/ again from a results JSON (no benchmark runs)
`

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function num(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`)
  return n
}

export interface Options {
  help: boolean
  reportOnly: string | undefined
  mode: 'full' | 'quick'
  quick: boolean
  only: string[] | undefined
  durationS: number
  warmupS: number
  repeats: number
  connections: number
  pipelinings: number[]
  keySpace: number
  growthOps: number
  windowS: number
  growthLimitS: number
  lagProbeRate: number
  lagDurationS: number
  loadTool: 'wrk' | 'autocannon' | undefined
  out: string
  pin: boolean
  charts: boolean
}

export function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' }, only: { type: 'string' }, duration: { type: 'string' }, repeats: { type: 'string' },
      connections: { type: 'string' }, pipelining: { type: 'string' }, 'key-space': { type: 'string' },
      'growth-ops': { type: 'string' }, window: { type: 'string' }, 'lag-probe-rate': { type: 'string' }, out: { type: 'string' },
      'load-tool': { type: 'string' }, 'no-pin': { type: 'boolean' }, 'no-charts': { type: 'boolean' }, 'report-only': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  })
  const quick = v.quick === true
  const durationS = num(v.duration, quick ? 3 : 10, 'duration')
  const tool = v['load-tool']
  if (tool !== undefined && tool !== 'wrk' && tool !== 'autocannon') throw new Error('--load-tool must be wrk or autocannon')
  return {
    help: v.help === true,
    reportOnly: v['report-only'],
    mode: quick ? 'quick' : 'full',
    quick,
    only: list(v.only),
    durationS,
    warmupS: quick ? 1 : 2,
    repeats: num(v.repeats, quick ? 1 : 3, 'repeats'),
    connections: num(v.connections, 50, 'connections'),
    pipelinings: (list(v.pipelining) ?? (quick ? ['1'] : ['1', '10'])).map((p) => num(p, 1, 'pipelining')),
    keySpace: num(v['key-space'], 100_000, 'key-space'),
    growthOps: num(v['growth-ops'], quick ? 20_000 : 1_000_000, 'growth-ops'),
    windowS: num(v.window, quick ? 2 : 10, 'window'),
    growthLimitS: quick ? 120 : 900,
    lagProbeRate: num(v['lag-probe-rate'], 100, 'lag-probe-rate'),
    lagDurationS: Math.max(durationS, quick ? 3 : 15),
    loadTool: tool,
    out: v.out ?? (quick ? `${BENCH_DIR}/quick-run` : BENCH_DIR),
    pin: v['no-pin'] !== true,
    charts: v['no-charts'] !== true
  }
}
