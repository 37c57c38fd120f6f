/**
 * The shapes every scenario, the report and the charts share: the run context, one measured run,
 * and the entries of a results file (results/latest.json, quick-run/quick.json).
 */
import type { Options } from './options.js'
import type { PinPlan } from './pin.js'

/** The load generators: wrk (C, Lua scripts) for the throughput cells, autocannon for the rest. */
export type LoadTool = 'wrk' | 'autocannon' | 'autocannon-workers' | 'paced' | 'redis-benchmark'

export interface Ctx {
  opts: Options
  pin: PinPlan
  tmp: string
  log: (line: string) => void
  selected: (id: string) => boolean
  /** wrk when installed (or asked for), else several autocannon processes. */
  throughputTool: 'wrk' | 'autocannon-workers'
}

export interface Latency { p50: number; p90: number; p99: number; mean: number; max: number }

/** One load generator's figures for one run (autocannon-shaped, whichever tool produced them). */
export interface LoadResult {
  requests: number
  durationS: number
  reqPerSec: number
  latencyMs: Latency
  /** Set when the tool could not time requests (wrk with pipelining): latencyMs is all NaN, this says why. */
  latencyNotMeasured?: string
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
}

/** What the runner sampled from /proc while a load ran. */
export interface ServerFigures {
  /** Percent of one core, summed over the server processes. */
  serverCpuPct: number
  serverRssMiB: number
  /** The load generator's own utime+stime over the run, percent of one core. */
  clientCpuPct: number
  /** Busy time of the server's core not spent by the server: other processes of the machine. */
  serverCoreOtherPct: number
}

export type Run = LoadResult & ServerFigures & { tool: LoadTool }

export type Status = 'ok' | 'skipped' | 'failed'

export interface Summary { n: number; p50: number; p90: number; p99: number; max: number; mean: number }

export interface LagFigures { all: Summary; byTarget: Record<string, Summary>; rttCorrected?: Summary }

export interface GrowthWindow {
  tS: number
  ops: number
  reqPerSec: number
  rssMiB: number
  dataDirMiB: number
  serverCoreOtherPct: number
}

export interface EntrySettings {
  connections?: number
  pipelining?: number
  durationS?: number
  repeats?: number
  valueBytes?: number
  keySpace?: number
  windowS?: number
  [k: string]: unknown
}

/** One row of the results: a scenario on one system, or a skipped/failed slot with its reason. */
export interface Entry {
  id: string
  group: string
  status: Status
  reason?: string
  scenario?: string
  title?: string
  system?: string
  load?: string
  settings?: EntrySettings
  tool?: LoadTool
  reqPerSec?: number
  latencyMs?: Latency
  latencyNotMeasured?: string
  errors?: number
  non2xx?: number
  requests?: number
  serverCpuPct?: number
  serverRssMiB?: number
  clientCpuPct?: number
  /** The load generator was above CLIENT_BOUND_PCT of its core: the figure is the client's, not the server's. */
  clientBound?: boolean
  serverCoreOtherPct?: number
  runs?: number[]
  [k: string]: unknown
}

export interface Target {
  id: string
  name: string
  value: number | null
  /** A second figure where the target has two (lag p99 beside p50). */
  value2?: number | null
  unit: 'x' | 'ms' | 'MiB'
  goal: string
  met: boolean | null
  note?: string
}

export interface Result {
  schema: number
  mode: 'full' | 'quick'
  startedAt: string
  finishedAt: string
  elapsedS: number
  command: string
  machine: Machine
  versions: Record<string, string | null>
  pinning: PinPlan
  settings: Record<string, unknown> & { connections: number; pipelinings: number[]; durationS: number; warmupS: number; repeats: number; keySpace: number; lagProbeRate: number }
  entries: Entry[]
  targets: Target[]
}

export interface Machine {
  hostname: string
  platform: string
  kernel: string
  cpuModel: string
  cores: number
  memGiB: number
  loadAvg: number[]
  loadAvgEnd?: number[]
  stealPct?: number | null
  fsyncMs?: { start: FsyncFigures; end: FsyncFigures }
}

export interface FsyncFigures { p50: number; p99: number; rounds: number }
