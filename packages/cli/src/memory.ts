import { setFlagsFromString } from 'node:v8'
import type { NodeLaunch } from '@swarmkv/core/node-launch'
import { DEFAULT_RECENT_OPS_BYTES } from '@swarmkv/replication'
import { UsageError, int } from './args.js'

/**
 * The memory a node's process may use beyond the engine's caches: LevelDB's own caches (native,
 * outside the JavaScript heap) and how far V8 lets the heap grow between collections.
 * docs/OPERATIONS.md "Memory budget" has the table of every budget.
 */
export interface MemorySettings {
  /** LevelDB block cache, bytes (decompressed blocks of the table files). */
  readonly levelCacheBytes: number
  /** LevelDB memtable, bytes: two of them while one is flushed to a table file. */
  readonly levelWriteBufferBytes: number
  /** Replication's buffer of recent ops, bytes: peers within it are fed from memory, others from the log on disk. */
  readonly recentOpsBytes: number
  /** V8 grows the old generation to (1 + this/100) x what survived the last collection; 0: V8's own factor. */
  readonly heapGrowthPercent: number
}

const MiB = 1024 * 1024

/**
 * LevelDB's block cache holds table-file blocks; the engine's register cache above it already
 * keeps the recently used states (encoded), so a larger one bought nothing measurable: 400k random-key puts
 * (batches of 50, 10 reads each) cost the same CPU with 8 and 32 MiB. Was 32 MiB.
 */
export const DEFAULT_LEVEL_CACHE_MIB = 8
/**
 * The memtable: writes land there before a flush to a table file, and a second one fills while
 * the first is flushed, so this counts twice. Smaller ones mean more flushes and compactions: the
 * same 400k puts took 12-13 us of CPU per put with 4 MiB, 10-11 with 8 and 8.5-11 with 16 (the
 * former setting); a node's PUT costs 75-150 us, so 8 MiB gives up about 1 %.
 */
export const DEFAULT_LEVEL_WRITE_BUFFER_MIB = 8
/**
 * V8 sizes the old generation to between 1.1x and 4x of what survived the last full collection,
 * the more the faster the program allocates. A node allocates fast (each request) while what
 * survives is mostly its caches, so under write load the heap sat at 2-2.5x its live size
 * (measured: 60 MiB live in a 130-150 MiB heap). 1.2x keeps it close to the live size, and cost
 * nothing measurable: 183 and 208 us of CPU per PUT with it, 183 and 208 without, run in turn.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 20

export const DEFAULT_MEMORY: MemorySettings = {
  levelCacheBytes: DEFAULT_LEVEL_CACHE_MIB * MiB,
  levelWriteBufferBytes: DEFAULT_LEVEL_WRITE_BUFFER_MIB * MiB,
  recentOpsBytes: DEFAULT_RECENT_OPS_BYTES,
  heapGrowthPercent: DEFAULT_HEAP_GROWTH_PERCENT
}

/** The `swarmkv start` flags of the memory settings (values in MiB and percent). */
export const MEMORY_FLAGS = {
  'leveldb-cache-mib': { type: 'string' }, 'leveldb-write-buffer-mib': { type: 'string' }, 'heap-growth-percent': { type: 'string' },
  'replication-buffer-mib': { type: 'string' }
} as const

export function memorySettings(v: Record<string, string | boolean | undefined>): MemorySettings {
  const cache = int(v['leveldb-cache-mib'], DEFAULT_LEVEL_CACHE_MIB, 'leveldb-cache-mib')
  const buffer = int(v['leveldb-write-buffer-mib'], DEFAULT_LEVEL_WRITE_BUFFER_MIB, 'leveldb-write-buffer-mib')
  const growth = int(v['heap-growth-percent'], DEFAULT_HEAP_GROWTH_PERCENT, 'heap-growth-percent')
  const recent = int(v['replication-buffer-mib'], DEFAULT_RECENT_OPS_BYTES / MiB, 'replication-buffer-mib')
  // classic-level takes 0 as "no cache" and clamps a tiny memtable up: refuse both rather than surprise.
  if (cache < 1) throw new UsageError('--leveldb-cache-mib must be at least 1')
  if (buffer < 1) throw new UsageError('--leveldb-write-buffer-mib must be at least 1')
  if (growth > 300) throw new UsageError('--heap-growth-percent must be at most 300')
  return { levelCacheBytes: cache * MiB, levelWriteBufferBytes: buffer * MiB, recentOpsBytes: recent * MiB, heapGrowthPercent: growth }
}

/**
 * Applies the heap growth factor to this process. V8 reads this flag at every collection, so
 * setting it after start works (checked: an allocation-heavy loop peaked at 221 MiB of heap with
 * it set at run time, 209 MiB with it on the command line, 320 MiB without). Semi-space and
 * old-space limits are fixed when the heap is created: those are NODE_OPTIONS
 * (docs/OPERATIONS.md "Memory budget").
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`)
}

/**
 * What of the bin's `#!` settings (node-launch.ts) this process was started without: a flag
 * whose name is in neither the process's node flags nor NODE_OPTIONS (any value counts: it was
 * chosen), an environment variable not set to the bin's value. `node packages/cli/bin/swarmkv.js`
 * skips the `#!` line, and OPERATIONS §13's memory figures assume it.
 */
export function missingLaunchSettings(launch: NodeLaunch, execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const nameOf = (flag: string) => flag.split('=', 1)[0]!
  const given = new Set([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((f) => f.startsWith('--')).map(nameOf))
  return [
    ...launch.flags.filter((f) => !given.has(nameOf(f))),
    ...Object.entries(launch.env).filter(([k, v]) => env[k] !== v).map(([k, v]) => `${k}=${v}`)
  ]
}
