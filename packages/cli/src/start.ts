import { readFile } from 'node:fs/promises'
import { isNodeId } from '@swarmkv/core'
import type { AuthToken, Scope } from '@swarmkv/server'
import { DEFAULT_CHECKPOINT_OPS, DEFAULT_DIRTY_BYTES, FSYNC_MODES, type FsyncMode } from '@swarmkv/storage'
import { parse, str, int, hostPorts, listenAddress, UsageError } from './args.js'
import { LOG_LEVELS, startNode, type LogLevel } from './node.js'
import { MEMORY_FLAGS, applyHeapGrowth, memorySettings, missingLaunchSettings } from './memory.js'
import { nodeLaunchOf } from '@swarmkv/core/node-launch'
import { BIN } from './bin-path.js'

export const START_HELP = `swarmkv start — run one node

  --role master|replica     takes writes, or serves reads and redirects writes (default: the role kept
                            in the data dir, else master; a role given here is kept for later starts)
  --http [host:]port        HTTP listen address (default 127.0.0.1:7001)
  --http-url URL            URL advertised to peers and clients (default http://host:port)
  --data DIR                data directory: LevelDB and the node's key seed (default ./.data/node)
  --fsync always|batch|off  durability of acknowledged writes (default batch)
  --region NAME             region label (default local)
  --cluster NAME            cluster name (default swarmkv)
  --secret SECRET           cluster secret; without it the node runs alone (also SWARMKV_SECRET)
  --bootstrap host:port,…   DHT bootstrap nodes (see: swarmkv dht)
  --dht-host IP             address this node's DHT binds and announces (default 127.0.0.1)
  --dht-port PORT           fixed UDP port of this node's DHT (default 0: any)
  --max-clock-drift MS      remote clock stamps further ahead are not adopted (default 60000)
  --checkpoint-ops N        ops committed to the log between checkpoints of the key states, at most
                            (bounds replay on start; default 20000)
  --dirty-bytes N           bytes of key states not yet checkpointed that start a checkpoint (default 8388608)
  --compact-interval MS      how often the replication log drops ops every member has (default 60000; 0: off)
  --block-peer ID,…         node ids this node never connects to (operator block list)
  --token SECRET:SCOPES      a bearer token and its scopes (read,write,admin,metrics); repeat for more
                            (metrics: may only scrape /metrics; admin may too)
                            (also SWARMKV_TOKENS="s1:read;s2:read,write,admin"); none: no HTTP auth
  --tls-cert FILE           serve HTTPS with this PEM certificate (with --tls-key)
  --tls-key FILE
  --read-only               refuse writes with 503 (switch at run time: POST /admin/read-only); kept
                            in the data dir like the role
  --writable                take writes again (clears a read-only switch kept in the data dir)
  --cors ORIGINS            let browser pages of these origins call the API (comma list, or *; default: off)
  --log-level LEVEL         structured logs (JSON lines on stdout) at fatal|error|warn|info|debug|trace|silent
                            (default info)
  --log-requests            log every HTTP request too (--log is the same)
Memory (docs/OPERATIONS.md "Memory budget"):
  --leveldb-cache-mib N     LevelDB block cache (default 8)
  --leveldb-write-buffer-mib N  LevelDB memtable; two while one is flushed (default 8)
  --replication-buffer-mib N  recent ops kept in memory for peers; one further behind reads the log
                            on disk (default 16)
  --heap-growth-percent N   the JavaScript heap grows to (1 + N/100) x its live size between
                            collections (default 20; 0: V8's own, 1.1x to 4x)
`

export async function startCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, {
    role: { type: 'string' }, http: { type: 'string' }, 'http-url': { type: 'string' }, data: { type: 'string' },
    fsync: { type: 'string' }, region: { type: 'string' }, cluster: { type: 'string' }, secret: { type: 'string' },
    bootstrap: { type: 'string' }, 'dht-host': { type: 'string' }, 'dht-port': { type: 'string' },
    'max-clock-drift': { type: 'string' }, 'read-only': { type: 'boolean' }, 'block-peer': { type: 'string' }, 'compact-interval': { type: 'string' }, 'checkpoint-ops': { type: 'string' }, 'dirty-bytes': { type: 'string' }, token: { type: 'string', multiple: true },
    'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, log: { type: 'boolean' }, 'log-requests': { type: 'boolean' },
    'log-level': { type: 'string' }, writable: { type: 'boolean' }, cors: { type: 'string' }, ...MEMORY_FLAGS
  })
  if (v.help === true) { process.stdout.write(START_HELP); return 0 }
  const role = typeof v.role === 'string' ? v.role : undefined
  if (role !== undefined && role !== 'master' && role !== 'replica') throw new UsageError('--role must be master or replica')
  if (v['read-only'] === true && v.writable === true) throw new UsageError('--read-only and --writable contradict each other')
  const logLevel = str(v['log-level'], 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`)
  const fsync = str(v.fsync, 'batch') as FsyncMode
  if (!FSYNC_MODES.includes(fsync)) throw new UsageError('--fsync must be always, batch or off')
  const http = listenAddress(v.http, '127.0.0.1:7001')
  const secret = typeof v.secret === 'string' ? v.secret : process.env.SWARMKV_SECRET
  const memory = memorySettings(v)
  applyHeapGrowth(memory.heapGrowthPercent)
  const node = await startNode({
    role, readOnly: v['read-only'] === true ? true : v.writable === true ? false : undefined,
    httpHost: http.host, httpPort: http.port, httpUrl: typeof v['http-url'] === 'string' ? v['http-url'] : undefined,
    dataDir: str(v.data, './.data/node'), fsync, region: str(v.region, 'local'),
    cluster: str(v.cluster, 'swarmkv'), secret,
    bootstrap: hostPorts(v.bootstrap, 'bootstrap'),
    dhtHost: str(v['dht-host'], '127.0.0.1'), dhtPort: int(v['dht-port'], 0, 'dht-port'),
    maxClockDriftMs: int(v['max-clock-drift'], 60_000, 'max-clock-drift'),
    blockedPeers: blockList(v['block-peer']),
    compactIntervalMs: int(v['compact-interval'], 60_000, 'compact-interval'),
    checkpointOps: int(v['checkpoint-ops'], DEFAULT_CHECKPOINT_OPS, 'checkpoint-ops'),
    dirtyBytes: int(v['dirty-bytes'], DEFAULT_DIRTY_BYTES, 'dirty-bytes'),
    logLevel, logRequests: v.log === true || v['log-requests'] === true,
    tokens: parseTokens([...((v.token as unknown as string[] | undefined) ?? []), ...(process.env.SWARMKV_TOKENS ?? '').split(';')]),
    tls: await loadTls(v['tls-cert'], v['tls-key']),
    corsOrigins: corsList(v.cors), memory
  })
  const missing = missingLaunchSettings(nodeLaunchOf(BIN), process.execArgv, process.env)
  if (missing.length > 0) {
    process.stderr.write(`swarmkv: warning: started without ${missing.join(' ')} from the bin's #! line, so the process will use more memory than docs/OPERATIONS.md §13 says; run the bin itself (${BIN}) or pass them to node\n`)
  }
  // Listening for the stop signals before saying "listening on": a supervisor may send SIGTERM as
  // soon as it reads that line, and without a listener Node ends the process without closing it.
  const stop = untilSignal()
  process.stdout.write(`swarmkv ${node.role} ${node.nodeId} listening on ${node.url}${secret === undefined ? ' (standalone: no --secret, no replication)' : ''}\n`)
  await stop
  await node.close()
  return 0
}

function parseTokens(specs: readonly string[]): AuthToken[] {
  return specs.map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const i = s.lastIndexOf(':')
    const scopes = i < 0 ? [] : s.slice(i + 1).split(',').map((x) => x.trim())
    if (i <= 0 || scopes.length === 0 || scopes.some((x) => x !== 'read' && x !== 'write' && x !== 'admin' && x !== 'metrics')) {
      throw new UsageError('a token is SECRET:SCOPES with scopes from read,write,admin,metrics')
    }
    return { token: s.slice(0, i), scopes: scopes as Scope[] }
  })
}

async function loadTls(cert: string | boolean | undefined, key: string | boolean | undefined): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (cert === undefined && key === undefined) return undefined
  if (typeof cert !== 'string' || typeof key !== 'string') throw new UsageError('--tls-cert and --tls-key go together')
  return { cert: await readFile(cert), key: await readFile(key) }
}

function corsList(v: string | boolean | undefined): string[] | undefined {
  if (typeof v !== 'string') return undefined
  const origins = v.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const o of origins) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) throw new UsageError(`--cors takes origins like https://app.example.com (or *), got ${JSON.stringify(o)}`)
  }
  return origins
}

function blockList(v: string | boolean | undefined): string[] {
  if (typeof v !== 'string') return []
  const ids = v.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const id of ids) if (!isNodeId(id)) throw new UsageError(`--block-peer takes node ids (16 hex characters), got ${JSON.stringify(id)}`)
  return ids
}

/** The signals that ask a process to stop: Ctrl-C, a supervisor's stop, and a closed terminal. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP'

/**
 * Resolves with the first of `signals` to arrive, or with undefined once `cancel` aborts. Either
 * way the listeners come off: while one is on, Node does not end the process on that signal, so a
 * listener left behind would swallow the next Ctrl-C.
 */
export function untilSignal(
  cancel?: AbortSignal, signals: readonly StopSignal[] = ['SIGINT', 'SIGTERM']
): Promise<StopSignal | undefined> {
  return new Promise((resolve) => {
    if (cancel?.aborted === true) { resolve(undefined); return }
    const done = (signal?: StopSignal) => {
      for (const s of signals) process.off(s, done)
      cancel?.removeEventListener('abort', aborted)
      resolve(signal)
    }
    const aborted = () => done()
    for (const s of signals) process.on(s, done)
    cancel?.addEventListener('abort', aborted)
  })
}
