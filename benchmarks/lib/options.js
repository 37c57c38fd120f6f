import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')

export const HELP = `swarmkv write-load benchmarks

  pnpm bench [options]        (or: swarmkv bench [options], node benchmarks/run.js [options])

  --quick              smoke run: short runs, one repeat, far fewer growth ops (under 3 minutes)
  --only a,b           run only scenarios whose id starts with one of these prefixes:
                       single (single-put-100b, single-put-1k, single-get, single-mix), peer
                       (peer-redis, peer-etcd), cluster, documents, growth
  --duration S         seconds per measured run (full 10, quick 3)
  --repeats N          measured runs per cell; the median is reported (full 3, quick 1)
  --connections N      autocannon connections (50)
  --pipelining 1,10    pipelining factors for the single-node matrix (full 1,10; quick 1)
  --key-space N        random keys are drawn from N keys (100000)
  --growth-ops N       operations in the growth scenario (full 1000000, quick 20000)
  --window S           growth window in seconds (full 10, quick 2)
  --lag-probe-rate N   probe writes per second in the replication lag runs (100)
  --out DIR            where results/, RESULTS.md and charts/ go
                       (full: benchmarks/; quick: benchmarks/quick-run/)
  --no-pin             do not pin servers and load generators to cores
  --no-charts          skip the SVG charts
  --report-only FILE   render RESULTS.md and charts/ again from a results JSON (no benchmark runs)
`

function list(v, fallback) {
  return v === undefined ? fallback : String(v).split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function num(v, fallback, name) {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`)
  return n
}

export function parseOptions(argv) {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' }, only: { type: 'string' }, duration: { type: 'string' }, repeats: { type: 'string' },
      connections: { type: 'string' }, pipelining: { type: 'string' }, 'key-space': { type: 'string' },
      'growth-ops': { type: 'string' }, window: { type: 'string' }, 'lag-probe-rate': { type: 'string' }, out: { type: 'string' },
      'no-pin': { type: 'boolean' }, 'no-charts': { type: 'boolean' }, 'report-only': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  })
  const quick = v.quick === true
  const durationS = num(v.duration, quick ? 3 : 10, 'duration')
  return {
    help: v.help === true,
    reportOnly: v['report-only'],
    mode: quick ? 'quick' : 'full',
    quick,
    only: list(v.only, undefined),
    durationS,
    warmupS: quick ? 1 : 2,
    repeats: num(v.repeats, quick ? 1 : 3, 'repeats'),
    connections: num(v.connections, 50, 'connections'),
    pipelinings: list(v.pipelining, quick ? ['1'] : ['1', '10']).map((p) => num(p, 1, 'pipelining')),
    keySpace: num(v['key-space'], 100_000, 'key-space'),
    growthOps: num(v['growth-ops'], quick ? 20_000 : 1_000_000, 'growth-ops'),
    windowS: num(v.window, quick ? 2 : 10, 'window'),
    growthLimitS: quick ? 120 : 900,
    lagProbeRate: num(v['lag-probe-rate'], 100, 'lag-probe-rate'),
    lagDurationS: Math.max(durationS, quick ? 3 : 15),
    out: v.out ?? (quick ? `${BENCH_DIR}/quick-run` : BENCH_DIR),
    pin: v['no-pin'] !== true,
    charts: v['no-charts'] !== true
  }
}
