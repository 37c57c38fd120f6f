import { join } from 'node:path'
import { pino, type Logger as PinoLogger } from 'pino'
import { HybridClock, DEFAULT_MAX_DRIFT_MS, Problems, nodeIdFromPublicKey, realScheduler, type NodeId, type Scheduler } from '@swarmkv/core'
import { Engine, LevelStore, failpointsFromEnv, type FsyncMode } from '@swarmkv/storage'
import { HyperswarmTransport, Membership, Replicator, loadIdentity, topicFor } from '@swarmkv/replication'
import { buildApp, type AuthToken, type ClusterView, type NodeControl, type Role } from '@swarmkv/server'
import type { FastifyInstance } from 'fastify'
import { loadSettings, resolveSettings, saveSettings } from './node-settings.js'
import { VERSION } from './version.js'
import { DEFAULT_MEMORY, type MemorySettings } from './memory.js'

/** Log levels `--log-level` takes (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export interface NodeConfig {
  /** The role asked for at start; undefined: the one persisted in the data dir (default master). */
  readonly role?: Role | undefined
  /** The read-only switch asked for at start; undefined: the persisted one (default off). */
  readonly readOnly?: boolean | undefined
  readonly httpHost: string
  readonly httpPort: number
  /** Advertised URL; default http://<host>:<port>. */
  readonly httpUrl?: string | undefined
  readonly dataDir: string
  readonly fsync: FsyncMode
  readonly region: string
  /** Cluster name and secret; without a secret the node runs alone (no replication). */
  readonly cluster: string
  readonly secret?: string | undefined
  readonly bootstrap: ReadonlyArray<{ host: string; port: number }>
  readonly dhtHost: string
  readonly dhtPort: number
  readonly maxClockDriftMs?: number
  /** How often the replication log is compacted, ms (0: only on POST /admin/compact). */
  readonly compactIntervalMs?: number
  /** Ops committed between checkpoints of the key states, at most (storage's default when absent). */
  readonly checkpointOps?: number
  /** Bytes of uncheckpointed key states that start a checkpoint (storage's default when absent). */
  readonly dirtyBytes?: number
  /** Node ids this node never connects to (an operator's block list). */
  readonly blockedPeers?: readonly string[]
  /** Structured logs (pino, JSON lines on stdout) at this level. Default info. */
  readonly logLevel?: LogLevel
  /** Log every HTTP request too. Default false. */
  readonly logRequests?: boolean
  /** Where log lines go. Default stdout. */
  readonly logDestination?: NodeJS.WritableStream
  /** Bearer tokens; none: no HTTP auth. */
  readonly tokens?: readonly AuthToken[]
  /** HTTPS certificate and key (PEM). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer }
  /** Origins allowed to call the API from a browser; none: CORS off. */
  readonly corsOrigins?: readonly string[] | undefined
  /** Time for every part of the node. Default realScheduler. */
  readonly scheduler?: Scheduler
  /** LevelDB's cache and memtable, replication's buffer (memory.ts has the defaults). */
  readonly memory?: Partial<MemorySettings>
}

export interface RunningNode {
  readonly nodeId: NodeId
  readonly url: string
  readonly app: FastifyInstance
  readonly log: PinoLogger
  /** The role it started with (flag or persisted). */
  readonly role: Role
  close(): Promise<void>
}

/** The composition root: opens the store, joins the swarm, serves HTTP. */
export async function startNode(cfg: NodeConfig): Promise<RunningNode> {
  const identity = await loadIdentity(cfg.dataDir)
  const log = pino({ level: cfg.logLevel ?? 'info', base: { node: identity.nodeId, region: cfg.region } }, cfg.logDestination ?? process.stdout)
  const problems = new Problems(log)
  const scheduler = cfg.scheduler ?? realScheduler
  // Crash points for the SIGKILL tests only: unset, they cost nothing.
  const failpoints = failpointsFromEnv(process.env)
  const store = new LevelStore(join(cfg.dataDir, 'db'), {
    cacheSize: cfg.memory?.levelCacheBytes ?? DEFAULT_MEMORY.levelCacheBytes,
    writeBufferSize: cfg.memory?.levelWriteBufferBytes ?? DEFAULT_MEMORY.levelWriteBufferBytes,
    problems, failpoints
  })
  await store.open()
  const clock = new HybridClock({ scheduler, maxDriftMs: cfg.maxClockDriftMs ?? DEFAULT_MAX_DRIFT_MS })
  const engine = new Engine(store, {
    nodeId: identity.nodeId, clock, fsync: cfg.fsync, problems, scheduler,
    ...(cfg.checkpointOps !== undefined ? { checkpointOps: cfg.checkpointOps } : {}),
    ...(cfg.dirtyBytes !== undefined ? { dirtyBytes: cfg.dirtyBytes } : {}),
    failpoints
  })
  await engine.open()
  log.info({ replayedOps: engine.recovery.ops, replayMs: Math.round(engine.recovery.ms) }, 'log replayed above the last checkpoint')

  // Role and read-only last across restarts (node-settings.ts): a flag given wins and is kept.
  const persisted = await loadSettings(cfg.dataDir)
  const control: NodeControl = { ...resolveSettings({ role: cfg.role, readOnly: cfg.readOnly }, persisted) }
  let saving = Promise.resolve()
  const persistControl = (c: NodeControl) => (saving = saving.then(() => saveSettings(cfg.dataDir, c)))
  await persistControl(control)
  const advertisedHost = cfg.httpHost === '0.0.0.0' || cfg.httpHost === '::' ? '127.0.0.1' : cfg.httpHost
  const scheme = cfg.tls !== undefined ? 'https' : 'http'
  let url = cfg.httpUrl ?? `${scheme}://${advertisedHost}:${cfg.httpPort}`

  const blocked = new Set(cfg.blockedPeers ?? [])
  // One compaction policy for every node: without replication it is a membership of one.
  const membership = new Membership({ engine, alone: cfg.secret === undefined, compactIntervalMs: cfg.compactIntervalMs, scheduler, log, problems })
  await membership.open()
  let replicator: Replicator | undefined
  if (cfg.secret !== undefined) {
    const transport = new HyperswarmTransport({
      keyPair: identity.keyPair,
      topic: topicFor(cfg.cluster, cfg.secret),
      bootstrap: cfg.bootstrap,
      host: cfg.dhtHost,
      port: cfg.dhtPort,
      problems,
      scheduler,
      firewall: (remote) => blocked.has(nodeIdFromPublicKey(remote))
    })
    replicator = new Replicator({
      engine, membership, transport, secret: cfg.secret, problems, scheduler,
      recentOpsBytes: cfg.memory?.recentOpsBytes ?? DEFAULT_MEMORY.recentOpsBytes,
      local: () => ({ nodeId: identity.nodeId, role: control.role, region: cfg.region, httpUrl: url, readOnly: control.readOnly })
    })
  }
  const cluster: ClusterView | undefined = replicator
  const app = buildApp({
    engine, nodeId: identity.nodeId, publicKey: identity.keyPair.publicKey.toString('hex'), region: cfg.region, control, cluster, membership,
    version: VERSION, dataDir: cfg.dataDir, logFiles: () => store.logStats, persistControl, problems, scheduler,
    get httpUrl() { return url }
  }, { loggerInstance: log, logRequests: cfg.logRequests === true, tokens: cfg.tokens, tls: cfg.tls, ...(cfg.corsOrigins !== undefined ? { corsOrigins: cfg.corsOrigins } : {}) })
  await app.listen({ host: cfg.httpHost, port: cfg.httpPort })
  if (cfg.httpPort === 0 && cfg.httpUrl === undefined) {
    const addr = app.server.address()
    if (addr !== null && typeof addr === 'object') url = `${scheme}://${advertisedHost}:${addr.port}`
  }
  // Replication starts once the advertised URL is final: peers learn it in the handshake.
  await replicator?.start()
  membership.start()

  log.info({ version: VERSION, role: control.role, readOnly: control.readOnly, url, replicated: replicator !== undefined, fsync: cfg.fsync }, 'node started')
  let closing: Promise<void> | undefined
  return {
    nodeId: identity.nodeId,
    get url() { return url },
    app,
    log,
    role: control.role,
    close() {
      closing ??= (async () => {
        await membership.stop()
        await app.close()
        await replicator?.stop()
        await engine.close()
        await store.close()
        await saving
        log.info({}, 'node stopped')
      })()
      return closing
    }
  }
}
